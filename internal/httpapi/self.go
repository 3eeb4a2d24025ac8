package httpapi

import "net/http"

// SelfService is what the self routes need.
type SelfService interface{}

// selfRoutes adds the self routes when s.Self is set.
func (s *Server) selfRoutes(mux *http.ServeMux) {
	if s.Self == nil {
		return
	}
}

package httpapi

import "net/http"

// WellbeingService is what the wellbeing routes need.
type WellbeingService interface{}

// wellbeingRoutes adds the wellbeing routes when s.Wellbeing is set.
func (s *Server) wellbeingRoutes(mux *http.ServeMux) {
	if s.Wellbeing == nil {
		return
	}
}

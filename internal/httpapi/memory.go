package httpapi

import "net/http"

// MemoryService is what the memory routes need.
type MemoryService interface{}

// memoryRoutes adds the memory routes when s.Memory is set.
func (s *Server) memoryRoutes(mux *http.ServeMux) {
	if s.Memory == nil {
		return
	}
}

package persona

import (
	"context"
	"math"
	"time"

	"os1/internal/os1"
)

// MaxMoodDays is the longest mood timeline served.
const MaxMoodDays = 366

// Mood returns the person's mood timeline: one [os1.MoodDay] for each of
// the last days days (today included, oldest first), counted in loc, the
// person's time zone (nil: UTC). Days without messages are there with
// zero counts. EINVALID when days is not between 1 and MaxMoodDays.
func (s *Service) Mood(ctx context.Context, userID int64, days int, loc *time.Location) ([]os1.MoodDay, error) {
	if days < 1 || days > MaxMoodDays {
		return nil, os1.Errorf(os1.EINVALID, "days must be between 1 and %d", MaxMoodDays)
	}
	if loc == nil {
		loc = time.UTC
	}
	now := s.now().In(loc)
	y, m, d := now.Date()
	from := time.Date(y, m, d-(days-1), 0, 0, 0, 0, loc)
	to := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	samples, err := s.store.MoodSamples(ctx, userID, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]os1.MoodDay, days)
	index := make(map[string]int, days)
	for i := range out {
		day := time.Date(y, m, d-(days-1)+i, 0, 0, 0, 0, loc).Format(time.DateOnly)
		out[i] = os1.MoodDay{Day: day, Emotions: map[string]int{}}
		index[day] = i
	}
	sums := make([]float64, days)
	for _, sm := range samples {
		i, ok := index[sm.At.In(loc).Format(time.DateOnly)]
		if !ok {
			continue
		}
		out[i].Messages++
		if sm.Emotion == nil {
			continue
		}
		out[i].Scored++
		sums[i] += sm.Emotion.Compound
		prim := sm.Emotion.Primary
		if prim == "" {
			prim = "neutral"
		}
		out[i].Emotions[prim]++
	}
	for i := range out {
		if out[i].Scored > 0 {
			out[i].MeanCompound = math.Round(sums[i]/float64(out[i].Scored)*1000) / 1000
		}
	}
	return out, nil
}

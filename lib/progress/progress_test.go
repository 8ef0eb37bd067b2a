package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock is a manually advanced clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newFake(label string, total int) (*Bar, *bytes.Buffer, *fakeClock) {
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	return newBar(&buf, label, total, clk.now), &buf, clk
}

func lines(buf *bytes.Buffer) []string {
	s := strings.TrimRight(buf.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestRateAndETA(t *testing.T) {
	b, buf, clk := newFake("train", 100)
	b.Every(time.Second)
	b.SetInfo("loss=0.0123")
	clk.advance(5 * time.Second)
	b.Add(50)
	ls := lines(buf)
	if len(ls) != 1 {
		t.Fatalf("want 1 line, got %d: %q", len(ls), buf.String())
	}
	for _, want := range []string{"train ", " 50/100", "50.0%", "10.0 it/s", "elapsed 5s", "ETA 5s", "loss=0.0123", "[===============>"} {
		if !strings.Contains(ls[0], want) {
			t.Errorf("line %q lacks %q", ls[0], want)
		}
	}
	st := b.Status()
	if st.Rate != 10 || st.ETA != 5*time.Second || st.Elapsed != 5*time.Second {
		t.Errorf("status %+v", st)
	}
}

func TestThrottleNonTTY(t *testing.T) {
	b, buf, clk := newFake("x", 1000)
	// Default: a line at most every 10 s. 100 updates, 0.5 s apart = 50 s.
	for range 100 {
		clk.advance(500 * time.Millisecond)
		b.Add(1)
	}
	if n := len(lines(buf)); n != 5 {
		t.Fatalf("want 5 lines in 50 s at one per 10 s, got %d:\n%s", n, buf.String())
	}
	b.Finish()
	ls := lines(buf)
	if len(ls) != 6 {
		t.Fatalf("want 6 lines after Finish, got %d", len(ls))
	}
	last := ls[len(ls)-1]
	for _, want := range []string{"100/1000", "done in 50s", "2.0 it/s"} {
		if !strings.Contains(last, want) {
			t.Errorf("final line %q lacks %q", last, want)
		}
	}
}

func TestFinishOnce(t *testing.T) {
	b, buf, clk := newFake("x", 10)
	calls := 0
	finals := 0
	b.OnUpdate(func(s Status) {
		calls++
		if s.Finished {
			finals++
		}
	})
	clk.advance(time.Second)
	b.Add(10)
	b.Finish()
	b.Finish()
	b.Add(5)
	if n := len(lines(buf)); n != 1 {
		t.Fatalf("want exactly one (final) line, got %d: %q", n, buf.String())
	}
	if !strings.Contains(buf.String(), "done in 1s (10.0 it/s)") {
		t.Errorf("final line: %q", buf.String())
	}
	if finals != 1 || calls != 2 {
		t.Errorf("hook calls=%d finals=%d, want 2 and 1", calls, finals)
	}
	if b.Status().Done != 10 {
		t.Errorf("Add after Finish changed Done")
	}
}

func TestTTYInPlace(t *testing.T) {
	b, buf, clk := newFake("t", 100)
	b.tty = true
	for range 20 { // 20 updates 10 ms apart: first draws, then every 100 ms.
		clk.advance(10 * time.Millisecond)
		b.Add(1)
	}
	b.Finish()
	out := buf.String()
	if n := strings.Count(out, "\r"); n != 3 { // draws at 10 ms, 110 ms, + final
		t.Errorf("want 3 redraws, got %d: %q", n, out)
	}
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("want only a final newline: %q", out)
	}
}

func TestHookThrottle(t *testing.T) {
	b, _, clk := newFake("h", 0)
	var got []Status
	b.OnUpdate(func(s Status) { got = append(got, s) })
	for range 50 { // 50 updates 10 ms apart → hook at 0, 100, 200, 300, 400 ms.
		clk.advance(10 * time.Millisecond)
		b.Add(1)
	}
	if len(got) != 5 {
		t.Errorf("hook called %d times, want 5", len(got))
	}
}

func TestUnknownTotalAndSlowRate(t *testing.T) {
	s := Status{Label: "u", Done: 3, Total: 0, Rate: 0.25, Elapsed: 12 * time.Second, ETA: -1}
	str := s.String()
	if !strings.Contains(str, "3 it") || !strings.Contains(str, "4.00 s/it") || strings.Contains(str, "ETA") {
		t.Errorf("unexpected %q", str)
	}
	s.Total = 10
	if !strings.Contains(s.String(), "ETA ?") {
		t.Errorf("unknown ETA: %q", s.String())
	}
}

func TestHTML(t *testing.T) {
	s := Status{Label: "a<b", Done: 5, Total: 10, Rate: 1, Elapsed: 5 * time.Second, ETA: 5 * time.Second, Info: "x&y"}
	h := s.HTML()
	for _, want := range []string{`<progress value="5" max="10"`, "a&lt;b", "x&amp;y", "ETA 5s"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML %q lacks %q", h, want)
		}
	}
	if strings.Contains(h, "[") {
		t.Errorf("HTML should not include the text bar: %q", h)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                 "0s",
		2500 * time.Millisecond:           "2.5s",
		5 * time.Second:                   "5s",
		187 * time.Second:                 "3m07s",
		2*time.Hour + 5*time.Minute + 9e9: "2h05m09s",
		-time.Second:                      "0s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

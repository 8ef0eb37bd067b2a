// Package progress is a small progress bar for long loops that works in
// terminals, in log files / CI output and in notebooks.
//
// On a terminal (w is an *os.File that is a character device) the bar is
// redrawn in place with '\r' at most every 100 ms. On anything else (files,
// pipes, CI logs, buffers) a full line is printed at most every 10 s (see
// [Bar.Every]) plus one final line from [Bar.Finish], so logs stay short.
// A notebook can render the bar itself through [Bar.OnUpdate] and
// [Status.HTML].
//
// A Bar is meant to be driven from a single goroutine; it has no locking
// and no global state. Write errors on w are ignored: progress output is
// best effort and must never stop a training loop.
package progress

import (
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"strings"
	"time"
)

const (
	// ttyInterval is the minimum time between in-place redraws on a terminal
	// and between calls of the OnUpdate hook.
	ttyInterval = 100 * time.Millisecond
	// defaultEvery is the default minimum time between lines on a non-terminal.
	defaultEvery = 10 * time.Second
	// barWidth is the number of cells in the text bar.
	barWidth = 30
)

// Status is a snapshot of a bar's state, passed to the OnUpdate hook.
type Status struct {
	Label string
	// Done is the number of completed iterations; Total the expected number
	// (Total <= 0 means unknown: no bar, percentage or ETA is shown).
	Done, Total int
	// Rate is the mean rate since start, in iterations per second.
	Rate float64
	// Elapsed is the time since the bar was created. ETA is the estimated
	// remaining time at the mean rate; it is negative when unknown
	// (nothing done yet, or Total unknown).
	Elapsed, ETA time.Duration
	// Info is free text shown after the bar, e.g. "loss=0.0123".
	Info string
	// Finished is true for the final status sent by Finish.
	Finished bool
}

// Fraction returns Done/Total clamped to [0, 1], or 0 if Total is unknown.
func (s Status) Fraction() float64 {
	if s.Total <= 0 {
		return 0
	}
	f := float64(s.Done) / float64(s.Total)
	return math.Max(0, math.Min(1, f))
}

// String returns the one-line text form, e.g.
//
//	train [===============>              ]  50/100  50.0%  10.0 it/s  elapsed 5s  ETA 5s  loss=0.0123
//
// A finished status reads "... done in 10s (10.0 it/s)" instead of the
// rate/elapsed/ETA fields.
func (s Status) String() string {
	var sb strings.Builder
	if s.Label != "" {
		sb.WriteString(s.Label)
		sb.WriteByte(' ')
	}
	if s.Total > 0 {
		sb.WriteString(textBar(s.Fraction(), barWidth))
		tw := len(fmt.Sprint(s.Total))
		fmt.Fprintf(&sb, " %*d/%d %5.1f%%", tw, s.Done, s.Total, 100*s.Fraction())
	} else {
		fmt.Fprintf(&sb, "%d it", s.Done)
	}
	if s.Finished {
		fmt.Fprintf(&sb, "  done in %s (%s)", FormatDuration(s.Elapsed), formatRate(s.Rate))
	} else {
		fmt.Fprintf(&sb, "  %s  elapsed %s", formatRate(s.Rate), FormatDuration(s.Elapsed))
		if s.Total > 0 {
			eta := "?"
			if s.ETA >= 0 {
				eta = FormatDuration(s.ETA)
			}
			sb.WriteString("  ETA " + eta)
		}
	}
	if s.Info != "" {
		sb.WriteString("  " + s.Info)
	}
	return sb.String()
}

// HTML returns a small self-contained HTML fragment: a <progress> element
// (indeterminate when Total is unknown) followed by the text line (without
// the text bar). It is meant for notebook display-and-update-in-place.
func (s Status) HTML() string {
	var sb strings.Builder
	sb.WriteString(`<div style="font-family:monospace;white-space:pre">`)
	if s.Total > 0 {
		fmt.Fprintf(&sb, `<progress value="%d" max="%d" style="width:300px;vertical-align:middle"></progress>`,
			min(max(s.Done, 0), s.Total), s.Total)
	} else {
		sb.WriteString(`<progress style="width:300px;vertical-align:middle"></progress>`)
	}
	t := s
	t.Label = ""
	line := t.String()
	if s.Total > 0 {
		// Drop the text bar: the <progress> element replaces it.
		if i := strings.IndexByte(line, ']'); i >= 0 {
			line = strings.TrimLeft(line[i+1:], " ")
		}
	}
	if s.Label != "" {
		line = s.Label + " " + line
	}
	sb.WriteString(" <span>" + html.EscapeString(line) + "</span></div>")
	return sb.String()
}

// textBar renders frac in [0,1] as "[=====>    ]" with width inner cells.
func textBar(frac float64, width int) string {
	n := int(frac * float64(width))
	var sb strings.Builder
	sb.WriteByte('[')
	switch {
	case n >= width:
		sb.WriteString(strings.Repeat("=", width))
	case n > 0 || frac > 0:
		sb.WriteString(strings.Repeat("=", n))
		sb.WriteByte('>')
		sb.WriteString(strings.Repeat(" ", width-n-1))
	default:
		sb.WriteString(strings.Repeat(" ", width))
	}
	sb.WriteByte(']')
	return sb.String()
}

// formatRate formats r (iterations per second): "12.3 it/s", or "4.00 s/it"
// when slower than one iteration per second.
func formatRate(r float64) string {
	if r > 0 && r < 1 {
		return fmt.Sprintf("%.2f s/it", 1/r)
	}
	return fmt.Sprintf("%.1f it/s", r)
}

// FormatDuration formats d rounded to whole seconds: "5s", "3m07s", "2h05m09s".
// Durations under 10 s that are not whole seconds keep one decimal ("2.5s").
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < 10*time.Second && d%time.Second != 0 {
		d = d.Round(100 * time.Millisecond)
		if d%time.Second != 0 {
			return fmt.Sprintf("%.1fs", d.Seconds())
		}
	}
	sec := int64(d.Round(time.Second) / time.Second)
	h, m, s := sec/3600, (sec/60)%60, sec%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	default:
		return fmt.Sprintf("%ds", s)
	}
}

// Bar is a progress bar. Create it with [New]; drive it with Add/Set and
// end it with Finish. Not safe for concurrent use.
type Bar struct {
	w     io.Writer
	label string
	total int
	done  int
	info  string

	nowFn    func() time.Time
	start    time.Time
	tty      bool
	every    time.Duration
	lastLine time.Time // last write to w
	lastHook time.Time // last call of hook
	drawn    bool      // whether anything was written to w
	lastLen  int       // length of the last in-place line (terminal only)
	finished bool
	hook     func(Status)
}

// New returns a bar writing to w (nil means no text output, e.g. when only
// the OnUpdate hook is used). total <= 0 means the total is unknown.
// The clock starts now.
func New(w io.Writer, label string, total int) *Bar {
	return newBar(w, label, total, time.Now)
}

// newBar is New with an injectable clock, for tests.
func newBar(w io.Writer, label string, total int, now func() time.Time) *Bar {
	if w == nil {
		w = io.Discard
	}
	b := &Bar{w: w, label: label, total: total, nowFn: now, every: defaultEvery}
	b.start = now()
	b.tty = isTerminal(w)
	b.lastLine = b.start
	return b
}

// isTerminal reports whether w is an *os.File on a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Every sets the minimum interval between printed lines when w is not a
// terminal (default 10 s). d <= 0 prints on every update. Returns b.
func (b *Bar) Every(d time.Duration) *Bar {
	b.every = d
	return b
}

// OnUpdate registers fn, called with the current status at most every
// 100 ms while the bar advances, and once more from Finish (with
// Status.Finished set). Returns b.
func (b *Bar) OnUpdate(fn func(s Status)) *Bar {
	b.hook = fn
	return b
}

// Add advances the bar by n iterations.
func (b *Bar) Add(n int) {
	b.Set(b.done + n)
}

// Set sets the number of completed iterations to done.
func (b *Bar) Set(done int) {
	if b.finished {
		return
	}
	b.done = done
	b.update()
}

// SetInfo sets the free text shown after the bar (e.g. "loss=0.0123").
// It is shown from the next redraw on.
func (b *Bar) SetInfo(s string) {
	if b.finished {
		return
	}
	b.info = s
}

// Status returns the current status.
func (b *Bar) Status() Status {
	return b.status(b.nowFn())
}

func (b *Bar) status(now time.Time) Status {
	el := now.Sub(b.start)
	s := Status{Label: b.label, Done: b.done, Total: b.total, Elapsed: el, Info: b.info, ETA: -1, Finished: b.finished}
	if el > 0 {
		s.Rate = float64(b.done) / el.Seconds()
	}
	if b.total > 0 && s.Rate > 0 {
		left := max(b.total-b.done, 0)
		s.ETA = time.Duration(float64(left) / s.Rate * float64(time.Second))
	}
	return s
}

// update redraws the bar and calls the hook if their intervals have passed.
func (b *Bar) update() {
	now := b.nowFn()
	var st *Status
	get := func() Status {
		if st == nil {
			s := b.status(now)
			st = &s
		}
		return *st
	}
	if b.hook != nil && (b.lastHook.IsZero() || now.Sub(b.lastHook) >= ttyInterval) {
		b.lastHook = now
		b.hook(get())
	}
	if b.tty {
		if !b.drawn || now.Sub(b.lastLine) >= ttyInterval {
			b.drawInPlace(get().String(), false)
			b.lastLine = now
		}
		return
	}
	if now.Sub(b.lastLine) >= b.every {
		io.WriteString(b.w, get().String()+"\n")
		b.drawn = true
		b.lastLine = now
	}
}

// drawInPlace rewrites the terminal line, padding over a longer previous one.
func (b *Bar) drawInPlace(line string, final bool) {
	pad := ""
	if n := b.lastLen - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	end := ""
	if final {
		end = "\n"
	}
	io.WriteString(b.w, "\r"+line+pad+end)
	b.lastLen = len(line)
	b.drawn = true
}

// Finish prints the final line (total elapsed time and mean rate) and calls
// the hook one last time. Later calls, and Add/Set/SetInfo after it, do
// nothing. It does not change Done: a loop that stopped early shows where.
func (b *Bar) Finish() {
	if b.finished {
		return
	}
	b.finished = true
	s := b.status(b.nowFn())
	if b.hook != nil {
		b.hook(s)
	}
	if b.tty {
		b.drawInPlace(s.String(), true)
	} else {
		io.WriteString(b.w, s.String()+"\n")
	}
}

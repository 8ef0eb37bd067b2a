package notebook

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image/png"
	"os"
	"regexp"
	"strings"

	"github.com/gocmt/cmt/lib/plots"
)

// Output is where a notebook's rich output goes. In GoNB:
//
//	notebook.Output{HTML: gonbui.DisplayHTML, Update: gonbui.UpdateHTML, Sync: gonbui.Sync}
//
// A nil function falls back to plain text on stdout (tags stripped), so the package also runs outside a notebook.
type Output struct {
	HTML   func(html string)     // a new output block
	Update func(id, html string) // creates the block id on first use, replaces its content afterwards
	// Sync waits until GoNB has received everything sent so far. GoNB reads a cell's rich output from a pipe in the
	// background, so output sent just before the cell's program exits can be lost (seen: a settings cell with no
	// output, about 1 run in 20 under load); every output is followed by Sync.
	Sync func()
}

var tags = regexp.MustCompile(`<[^>]*>`)

func plain(h string) string { return html.UnescapeString(tags.ReplaceAllString(h, "")) }

func (o Output) html(h string) {
	if o.HTML != nil {
		o.HTML(h)
		o.sync()
		return
	}
	fmt.Println(plain(h))
}

func (o Output) update(id, h string) {
	if o.Update != nil {
		o.Update(id, h)
		o.sync()
		return
	}
	fmt.Println(plain(h))
}

func (o Output) sync() {
	if o.Sync != nil {
		o.Sync()
	}
}

// Note shows one short line of grey text.
func (b *Book) Note(text string) {
	b.Out.html(`<div style="color:#555;font-size:90%">` + html.EscapeString(text) + `</div>`)
}

// Heading shows a small bold heading.
func (b *Book) Heading(text string) {
	b.Out.html(`<div style="font-weight:bold;margin-top:6px">` + html.EscapeString(text) + `</div>`)
}

// Show displays PNG figures inline, side by side when there are several (each scaled to fit), at the size they
// were drawn for: plots.DPI pixels per inch shown as 96 (a 6-inch figure is 576 pixels wide).
func (b *Book) Show(paths ...string) {
	if len(paths) == 0 {
		return
	}
	var sb strings.Builder
	sb.WriteString(`<div style="display:flex;gap:8px;align-items:flex-start">`)
	for _, p := range paths {
		img, err := imgTag(p, fmt.Sprintf("max-width:%.2f%%", 100/float64(len(paths))-0.5))
		b.Must(err)
		sb.WriteString(img)
	}
	sb.WriteString(`</div>`)
	b.Out.html(sb.String())
}

// imgTag is an <img> holding the PNG file inline, sized as Show says, with extra CSS style.
func imgTag(path, style string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return fmt.Sprintf(`<img style="width:%dpx;%s" src="data:image/png;base64,%s"/>`,
		cfg.Width*96/plots.DPI, style, base64.StdEncoding.EncodeToString(data)), nil
}

// Table shows a small HTML table: a caption (may be empty), a header row and rows of already formatted cells.
func (b *Book) Table(caption string, header []string, rows [][]string) {
	b.Out.html(tableHTML(caption, header, rows))
}

func tableHTML(caption string, header []string, rows [][]string) string {
	var sb strings.Builder
	if caption != "" {
		sb.WriteString(`<div style="font-weight:bold;margin-top:6px">` + html.EscapeString(caption) + `</div>`)
	}
	sb.WriteString(`<table style="border-collapse:collapse;font-size:90%;margin:2px 0 6px 0">`)
	cell := func(tag, s string, first bool) {
		align := "right"
		if first {
			align = "left"
		}
		fmt.Fprintf(&sb, `<%s style="border-bottom:1px solid #ccc;padding:2px 10px;text-align:%s">%s</%s>`, tag, align, html.EscapeString(s), tag)
	}
	sb.WriteString("<tr>")
	for i, h := range header {
		cell("th", h, i == 0)
	}
	sb.WriteString("</tr>")
	for _, r := range rows {
		sb.WriteString("<tr>")
		for i, c := range r {
			cell("td", c, i == 0)
		}
		sb.WriteString("</tr>")
	}
	sb.WriteString("</table>")
	return sb.String()
}

// e formats a metric in the tables: 3 significant digits, exponent form below 0.01.
func e(x float64) string {
	if x != 0 && (x < 0.01 && x > -0.01) {
		return fmt.Sprintf("%.2e", x)
	}
	return fmt.Sprintf("%.3g", x)
}

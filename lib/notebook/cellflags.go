package notebook

import (
	"flag"
	"strings"
)

// A cell's settings, the GoMLX-notebook way: GoNB passes the arguments after `%%` to the cell's program, whose
// main calls flag.Parse, so
//
//	%% --set="post.q=64;post.lr=3e-4"
//	nb.Run("post")
//
// runs that cell with those settings on top of the notebook's (same syntax as the program's -set). Registering
// the flag here lets flag.Parse accept it; the Book is opened in a declaration, before main runs flag.Parse, so
// Open reads the arguments itself (cellOverrides).
var _ = flag.String("set", "", `this cell's settings, e.g. %% --set="post.q=64;post.lr=3e-4" (keys as in preset.json)`)

// cellOverrides returns the -set values among a cell program's arguments (-set=v, --set=v, -set v, --set v;
// several are joined with ';'), "" when there are none.
func cellOverrides(args []string) string {
	var sets []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "set" {
			continue
		}
		if !hasVal && i+1 < len(args) {
			i++
			val = args[i]
		}
		if val = strings.TrimSpace(val); val != "" {
			sets = append(sets, val)
		}
	}
	return strings.Join(sets, ";")
}

package pipeline

import (
	"reflect"
	"strings"
	"testing"
)

// TestSplitSettings checks the -set grammar: ';' or ',' between settings, commas kept inside a list value.
func TestSplitSettings(t *testing.T) {
	cases := map[string][]string{
		"post.q=16":                                 {"post.q=16"},
		"post.q=16,post.lr=2e-4":                    {"post.q=16", "post.lr=2e-4"},
		"post.q=16;post.lr=2e-4":                    {"post.q=16", "post.lr=2e-4"},
		"post.inits=cmt,diffusion;post.q=4":         {"post.inits=cmt,diffusion", "post.q=4"},
		"post.inits=cmt,diffusion,scratch,post.q=4": {"post.inits=cmt,diffusion,scratch", "post.q=4"},
		"post.q=4;post.inits=cmt,scratch;":          {"post.q=4", "post.inits=cmt,scratch"},
	}
	for in, want := range cases {
		if got := splitSettings(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitSettings(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSetListValue sets a list-valued key next to others, both separators, and refuses a bare word after ';'.
func TestSetListValue(t *testing.T) {
	p, _ := Lookup("toy2d")
	if err := p.Set("post.inits=cmt,scratch;post.q=64,post.lr=3e-4"); err != nil {
		t.Fatal(err)
	}
	if p.Inits != "cmt,scratch" || p.Q != 64 || p.PostLR != 3e-4 {
		t.Errorf("got inits %q q %g lr %g", p.Inits, p.Q, p.PostLR)
	}
	if err := p.Set("post.q=64;scratch"); err == nil || !strings.Contains(err.Error(), "want key=value") {
		t.Errorf("bare word after ';': err = %v", err)
	}
	if err := p.Set("mlp.embed=everywhere"); err == nil || !strings.Contains(err.Error(), "use layers or input") {
		t.Errorf("bad mlp.embed: err = %v", err)
	}
}

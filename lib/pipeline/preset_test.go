package pipeline

import (
	"os"
	"path/filepath"
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

// TestSetListValue sets a list-valued key next to others, both separators, a settings file and a boolean, and
// refuses a bare word after ';', a missing file and a bad boolean.
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
	f := filepath.Join(t.TempDir(), "recipe.txt")
	if err := os.WriteFile(f, []byte("# a recipe\npost.q=256   # fixed\npost.inits=cmt,diffusion\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Set("post.lr=1e-3;file:" + f); err != nil || p.Q != 256 || p.Inits != "cmt,diffusion" || p.PostLR != 1e-3 {
		t.Errorf("file: q %g inits %q lr %g, err %v", p.Q, p.Inits, p.PostLR, err)
	}
	if err := p.Set("file:/nonexistent/recipe.txt"); err == nil || !strings.Contains(err.Error(), "file:/nonexistent") {
		t.Errorf("missing file: err = %v", err)
	}
	if err := p.Set("edm.skip_gate=true"); err != nil || !p.SkipGate {
		t.Errorf("edm.skip_gate=true: field %v, err %v", p.SkipGate, err)
	}
	if err := p.Set("edm.skip_gate=yes"); err == nil || !strings.Contains(err.Error(), "want true or false") {
		t.Errorf("bad bool: err = %v", err)
	}
	if err := p.Set("mlp.embed=everywhere"); err == nil || !strings.Contains(err.Error(), "use layers or input") {
		t.Errorf("bad mlp.embed: err = %v", err)
	}
}

// Per-init recipes: post-training from diffusion runs with its own lr and q, the other inits with the shared ones;
// the post stage's fingerprint follows its own recipe only; recipes touching other stages are refused.
func TestPerInitRecipe(t *testing.T) {
	p, _ := Lookup("toy2d")
	if err := p.Set("post.recipe.cmt=;post.recipe.scratch=;post.recipe.diffusion=post.lr=1e-3 post.q=64;post.lr=3e-4"); err != nil {
		t.Fatal(err)
	}
	d, c := p.ForInit("diffusion"), p.ForInit("cmt")
	if d.PostLR != 1e-3 || d.Q != 64 || c.PostLR != 3e-4 || c.Q != p.Q || d.RecipeDiffusion != "" {
		t.Errorf("diffusion lr %g q %g; cmt lr %g q %g", d.PostLR, d.Q, c.PostLR, c.Q)
	}
	if got := p.RecipeText("diffusion"); got != "diffusion: lr 0.001 (constant), q 64, 3000 steps" {
		t.Errorf("RecipeText = %q", got)
	}
	r := &Run{P: p}
	plain := &Run{P: c}
	if r.fingerprint("post_ect_cmt") != plain.fingerprint("post_ect_cmt") {
		t.Error("cmt's fingerprint changed with diffusion's recipe")
	}
	if r.fingerprint("post_ect_diffusion") == plain.fingerprint("post_ect_diffusion") {
		t.Error("diffusion's fingerprint ignores its recipe")
	}
	for _, bad := range []string{"post.recipe.scratch=pre.lr=1", "post.recipe.scratch=post.inits=cmt", "post.recipe.cmt=post.q=one"} {
		q, _ := Lookup("toy2d")
		if err := q.Set(bad); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
	// A bad base setting is reported once, not again for every per-init recipe (each recipe re-validates).
	q, _ := Lookup("mnist-quick")
	err := q.Set("pre.p_uniform=2")
	if err == nil || strings.Count(err.Error(), "pre.p_uniform") != 1 {
		t.Errorf("pre.p_uniform=2 on a preset with 3 recipes: want the error once, got %v", err)
	}
}

// A recipe may choose its init's 2-step t_mid (eval.t_mid, chosen per model on the validation seed): the init's
// preset carries it, the others keep the preset's, and the recipe text and figure label say so.
func TestRecipeTMid(t *testing.T) {
	p, _ := Lookup("toy2d")
	if err := p.Set("post.inits=cmt,diffusion;post.recipe.cmt=post.lr=1e-4 eval.t_mid=0.4;post.recipe.diffusion="); err != nil {
		t.Fatal(err)
	}
	if c, d := p.ForInit("cmt").TMid, p.ForInit("diffusion").TMid; c != 0.4 || d != 0.8 {
		t.Fatalf("t_mid: cmt %v (want 0.4), diffusion %v (want the preset's 0.8)", c, d)
	}
	if got := p.RecipeText("cmt"); !strings.HasSuffix(got, ", 2-step t_mid 0.4") {
		t.Errorf("recipe text %q does not name t_mid", got)
	}
	if got := p.TMidLabel(); got != "t_mid: cmt 0.4, diffusion 0.8" {
		t.Errorf("label %q", got)
	}
	if got := p.StudentTMid(); got != 0.4 {
		t.Errorf("student t_mid %v, want the cmt recipe's 0.4 when eval.t_mid_student is unset", got)
	}
	if err := p.Set("eval.t_mid_student=1.6"); err != nil || p.StudentTMid() != 1.6 || p.ForInit("cmt").TMid != 0.4 {
		t.Errorf("eval.t_mid_student=1.6: student %v, cmt recipe %v (%v)", p.StudentTMid(), p.ForInit("cmt").TMid, err)
	}
	if err := p.Set("post.recipe.cmt=eval.samples=100"); err == nil {
		t.Error("a recipe setting another eval.* key was accepted")
	}
}

// A post-training checkpoint holds the evaluation curve measured so far, so the evaluation settings that curve
// depends on belong to that stage's fingerprint (a rerun with another t_mid must not resume a curve measured with
// the old one); the shared stages' fingerprints ignore them, and one init's t_mid leaves the others' alone.
func TestFingerprintEvalKeys(t *testing.T) {
	p, _ := Lookup("toy2d")
	q := p
	if err := q.Set("post.recipe.cmt=post.lr=1e-4 post.lr_schedule=linear eval.t_mid=1.6"); err != nil {
		t.Fatal(err)
	}
	a, b := &Run{P: p, O: Options{Seed: 1}}, &Run{P: q, O: Options{Seed: 1}}
	for stage, same := range map[string]bool{"pretrain": true, "midtrain": true, "post_ect_cmt": false, "post_ect_diffusion": true} {
		if got := a.fingerprint(stage) == b.fingerprint(stage); got != same {
			t.Errorf("%s: fingerprints equal %v, want %v", stage, got, same)
		}
	}
	r := p
	if err := r.Set("eval.samples=2000"); err != nil {
		t.Fatal(err)
	}
	if c := (&Run{P: r, O: Options{Seed: 1}}); c.fingerprint("post_ect_scratch") == a.fingerprint("post_ect_scratch") || c.fingerprint("midtrain") != a.fingerprint("midtrain") {
		t.Error("eval.samples: the post-training fingerprint must change and the mid-training one must not")
	}
}

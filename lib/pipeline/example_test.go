package pipeline_test

import (
	"fmt"

	"github.com/gocmt/cmt/lib/pipeline"
)

// A preset is a flat set of documented keys (the json names of Preset, as in a run's preset.json); Set applies the
// same overrides as the program's -set: ';' or ',' between settings, list values keep their commas. Each
// initialisation's post-training recipe sits on top (post.recipe.<init>).
func ExamplePreset_Set() {
	p, err := pipeline.Lookup("toy2d")
	if err != nil {
		panic(err)
	}
	if err := p.Set("post.inits=cmt,diffusion;post.steps=1000;post.recipe.diffusion=post.lr=3e-4 post.q=64"); err != nil {
		panic(err)
	}
	fmt.Println("inits:", p.Inits)
	fmt.Println(p.RecipeText("diffusion"))
	fmt.Println(p.RecipeText("cmt"))

	err = p.Set("post.qq=64")
	fmt.Println("error:", err != nil)
	// Output:
	// inits: cmt,diffusion
	// diffusion: lr 0.0003 (constant), q 64, 1000 steps
	// cmt: lr 0.0001 (linear decay), q 16, 1000 steps, 2-step t_mid 0.2
	// error: true
}

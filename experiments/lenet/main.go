// Command lenet trains the MNIST feature network of lib/fid and writes its weights file (default mode), or, with
// -sanity, measures MNIST-FID on real data (fid.Sanity with n = 10k): FID(train 10k, test 10k), FID between two
// disjoint 10k training subsets (the sampling-noise floor), and FID of the 10k test images corrupted by Gaussian
// noise and by Gaussian blur against their clean statistics (the reference). It writes
// figures/mnist_fid_sanity.png and a JSON of the numbers.
//
//	go run ./experiments/lenet                 # train (~10 min on 2 cores), write lib/fid/lenet_mnist.bin
//	go run ./experiments/lenet -sanity         # sanity curves with the embedded weights
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/fid"
	"github.com/gocmt/cmt/lib/plots"
	"github.com/gocmt/cmt/lib/runlog"
	"github.com/gomlx/compute"
)

func main() {
	def := fid.DefaultLeNetTrainConfig()
	sanity := flag.Bool("sanity", false, "compute the MNIST-FID sanity curves instead of training")
	epochs := flag.Int("epochs", def.Epochs, "training epochs")
	seed := flag.Uint64("seed", def.Seed, "training seed")
	out := flag.String("out", "lib/fid/lenet_mnist.bin", "where training writes the weights file")
	figure := flag.String("figure", "figures/mnist_fid_sanity.png", "sanity figure path")
	jsonOut := flag.String("json", "runs/lenet/mnist_fid_sanity.json", "sanity numbers (JSON) path")
	flag.Parse()

	b, err := backend.New(os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	m, err := data.LoadMNIST("")
	if err != nil {
		log.Fatal(err)
	}
	if *sanity {
		if err := runSanity(b, m, *figure, *jsonOut); err != nil {
			log.Fatal(err)
		}
		return
	}
	cfg := def
	cfg.Epochs, cfg.Seed = *epochs, *seed
	res, err := fid.TrainLeNet(b, m, cfg, os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	file, err := res.WeightsFile()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, file, 0o644); err != nil {
		log.Fatal(err)
	}
	rec := map[string]any{"config": cfg, "steps": res.Steps, "train_seconds": res.Seconds, "test_accuracy": res.TestAccuracy,
		"weights": *out, "bytes": len(file), "date": time.Now().UTC().Format(time.RFC3339)}
	if err := runlog.WriteJSONAtomic(filepath.Join(filepath.Dir(*jsonOut), "train.json"), rec); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s (%d bytes): test accuracy %.4f, training %.0f s (%d steps)\n", *out, len(file), res.TestAccuracy, res.Seconds, res.Steps)
}

// runSanity computes the sanity numbers with the embedded weights, prints them, and writes the figure and JSON.
func runSanity(b compute.Backend, m *data.MNIST, figure, jsonOut string) error {
	net, err := fid.NewMNIST(b)
	if err != nil {
		return err
	}
	r, err := fid.Sanity(net, m, data.MNISTTestN, os.Stderr)
	if err != nil {
		return err
	}
	if r.TestAccuracy, err = net.Accuracy(m.TestImages(), m.TestLabels()); err != nil {
		return err
	}
	// Both curves on one axis: x is the strength relative to the largest tested one. The log y axis drops the
	// FID = 0 points at strength 0 (identical sets); the two flat lines give the scale of "no real difference".
	series := []plots.Series{
		{Name: "test + Gaussian noise, σ = 0…0.8 (of [-1,1], clipped)", X: scaled(r.NoiseSigmas), Y: r.NoiseFID},
		{Name: "test, Gaussian blur, σ = 0…2 px", X: scaled(r.BlurSigmas), Y: r.BlurFID},
		{Name: fmt.Sprintf("train vs test (%.2f)", r.FIDTrainTest), X: []float64{0, 1}, Y: []float64{r.FIDTrainTest, r.FIDTrainTest}},
		{Name: fmt.Sprintf("floor: two train subsets (%.2f)", r.FIDTrainHalves), X: []float64{0, 1}, Y: []float64{r.FIDTrainHalves, r.FIDTrainHalves}},
	}
	if err := os.MkdirAll(filepath.Dir(figure), 0o755); err != nil {
		return err
	}
	title := fmt.Sprintf("MNIST-FID sanity (LeNet features, %d images per set)", r.N)
	if err := plots.Curves(figure, title, "corruption strength / largest tested", "FID (log scale)", series, true); err != nil {
		return err
	}
	if err := runlog.WriteJSONAtomic(jsonOut, r); err != nil {
		return err
	}
	fmt.Printf("accuracy %.4f; FID(train, test) %.3f; FID(train half A, half B) %.3f; features of 10k images %.1f s\n",
		r.TestAccuracy, r.FIDTrainTest, r.FIDTrainHalves, r.FeatureSeconds)
	for i, s := range r.NoiseSigmas {
		fmt.Printf("noise σ=%.2f: FID %.3f\n", s, r.NoiseFID[i])
	}
	for i, s := range r.BlurSigmas {
		fmt.Printf("blur σ=%.1f px: FID %.3f\n", s, r.BlurFID[i])
	}
	fmt.Printf("wrote %s and %s\n", figure, jsonOut)
	return nil
}

// scaled returns x divided by its last (largest) value.
func scaled(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v / x[len(x)-1]
	}
	return out
}

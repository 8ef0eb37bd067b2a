// Command fidstats computes and caches the FID reference statistics (mean and covariance of the 2048-d Inception
// pool3 features) of a dataset, as a fid.Stats JSON file:
//
//	go run ./experiments/fidstats -data cifar10 -dir cifar-10-batches-bin -weights inception.safetensors -out cifar10_train.json
//
// The weights come from experiments/fid/convert_inception.py. On the pure-Go CPU backend one 299×299 image takes
// ~13 s; run it on a GPU (GOMLX_BACKEND=xla:cuda). An existing -out file is not recomputed unless -force is given.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/fid"
)

func main() {
	dataset := flag.String("data", data.NameCIFAR10, "dataset: cifar10 (the only one with Inception statistics)")
	dir := flag.String("dir", "", "CIFAR-10 cifar-10-batches-bin directory (default $"+data.CIFAR10DirEnv+")")
	weights := flag.String("weights", "", "FID Inception weights (.safetensors from experiments/fid/convert_inception.py)")
	out := flag.String("out", "", "output statistics JSON file")
	split := flag.String("split", "train", "which images: train (50000, the usual CIFAR-10 FID reference) or test (10000)")
	limit := flag.Int("n", 0, "use only the first n images of the split (0 = all)")
	batch := flag.Int("batch", 50, "images per Inception call")
	force := flag.Bool("force", false, "recompute even if -out exists")
	flag.Parse()
	if err := run(*dataset, *dir, *weights, *out, *split, *limit, *batch, *force); err != nil {
		fmt.Fprintln(os.Stderr, "fidstats:", err)
		os.Exit(1)
	}
}

func run(dataset, dir, weights, out, split string, limit, batch int, force bool) error {
	if dataset != data.NameCIFAR10 {
		return fmt.Errorf("-data %q: only %q is supported (MNIST uses its own LeNet FID)", dataset, data.NameCIFAR10)
	}
	if out == "" {
		return errors.New("-out is required: where to write the statistics JSON")
	}
	if split != "train" && split != "test" {
		return fmt.Errorf("-split %q: want train or test", split)
	}
	if _, err := os.Stat(out); err == nil && !force {
		if s, err := fid.Load(out); err == nil {
			fmt.Printf("fidstats: %s already holds statistics of %d images (%s); -force recomputes them\n", out, s.N, s.Dataset)
			return nil
		}
	}
	if weights == "" {
		return fmt.Errorf("-weights is required: download %s and convert it with experiments/fid/convert_inception.py", fid.InceptionWeightsURL)
	}
	if _, err := os.Stat(weights); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("weight file %s does not exist: download %s and convert it with: python3 experiments/fid/convert_inception.py <that .pth> %s",
			weights, fid.InceptionWeightsURL, weights)
	}
	c, err := data.LoadCIFAR10(dir)
	if err != nil {
		return err
	}
	total := c.NumTrain()
	if split == "test" {
		total = c.NumTest()
	}
	if limit > 0 && limit < total {
		total = limit
	}
	if total < 2 {
		return fmt.Errorf("%d images: statistics need at least 2", total)
	}
	b, err := backend.New(os.Stderr)
	if err != nil {
		return err
	}
	net, err := fid.LoadInception(b, weights)
	if err != nil {
		return err
	}
	net.Batch = batch
	features := make([]float64, 0, total*fid.InceptionDim)
	start := time.Now()
	const chunk = 1000 // images converted to float64 at a time
	for i := 0; i < total; i += chunk {
		n := min(chunk, total-i)
		var imgs []float64
		if split == "train" {
			imgs = c.TrainRange(i, n)
		} else {
			imgs = c.TestRange(i, n)
		}
		f, err := net.Features(imgs, data.CIFAR10Channels, data.CIFAR10Side, data.CIFAR10Side)
		if err != nil {
			return err
		}
		features = append(features, f...)
		el := time.Since(start)
		fmt.Printf("fidstats: %d/%d images, %.1f images/s\n", i+n, total, float64(i+n)/el.Seconds())
	}
	s, err := fid.StatsOf(features, fid.InceptionDim, fid.InceptionNetwork, fmt.Sprintf("cifar10 %s (%d images)", split, total))
	if err != nil {
		return err
	}
	if err := s.Save(out); err != nil {
		return err
	}
	fmt.Printf("fidstats: wrote %s (%d images, %v)\n", out, total, time.Since(start).Round(time.Second))
	return nil
}

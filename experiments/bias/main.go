// Command bias runs the gradient-bias analysis of lib/bias (bias.Study) from the command line:
//
//	go run ./experiments/bias            # ≈ 4 min on 2 cores: runs/bias/summary.json, figures/bias_*.png
//	go run ./experiments/bias -quick     # ≈ 1 min, smaller everything: runs/bias-quick/, runs/bias-quick/figures/
//	go run ./experiments/bias -h         # every flag
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gocmt/cmt/lib/bias"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bias.Study(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bias:", err)
		os.Exit(1)
	}
}

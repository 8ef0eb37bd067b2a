# Every target needs Go 1.27 (GoMLX v0.28.16) and the simd experiment (the pure-Go backend's vector kernels:
# ~12× faster). Go downloads the 1.27.3 toolchain by itself when the machine's Go is older.
export GOTOOLCHAIN := go1.27.3
export GOEXPERIMENT := simd
export GOMLX_NO_AUTO_INSTALL := 1

PRESET ?= toy2d
SEED ?= 1
ARGS ?=

.PHONY: run test vet seeds

## run: the default preset end to end on the CPU (pre-training → CMT → ECT from 3 inits), figures in figures/
run:
	go run ./experiments/cmt -preset $(PRESET) -seed $(SEED) $(ARGS)

## mnist: the MNIST preset end to end on the CPU (MLP, pre-training → CMT → ECT from 3 inits, MNIST-FID; ≤ 38 min
## on 2 cores): runs/mnist-quick/summary.json, figures/mnist-quick_*.png
.PHONY: mnist
mnist:
	go run ./experiments/cmt -preset mnist-quick -seed $(SEED) $(ARGS)

## test: every test (unit, integration, crash-resume, the notebooks headless and in headless Chromium: installs Jupyter,
## GoNB and Chromium when missing)
test: vet
	@notebooks/setup.sh --headless || echo "make test: the notebooks' tools could not be installed (above); their test skips, or fails with CI=true"
	go test -count=1 -timeout 25m ./...

vet:
	go vet ./...
	@test -z "$$(gofmt -l lib experiments notebooks)" || (echo "gofmt would change:"; gofmt -l lib experiments notebooks; exit 1)

## seeds: the default preset on seeds 1 and 2 (checks the ordering CMT < diffusion < scratch on both)
seeds:
	go run ./experiments/cmt -preset $(PRESET) -seed 1 -out runs/$(PRESET)-seed1 -figures runs/$(PRESET)-seed1/figures
	go run ./experiments/cmt -preset $(PRESET) -seed 2 -out runs/$(PRESET)-seed2 -figures runs/$(PRESET)-seed2/figures

## notebooks: install what the GoNB notebooks need (Jupyter, GoNB v0.11.5, goimports, gopls, the kernel), then
## start Jupyter on notebooks/ (notebooks/setup.sh --headless installs only)
.PHONY: notebooks
notebooks:
	notebooks/setup.sh

## bias: gradient bias of ECT/ECD/CMT against the exact flow-map oracle, per initialisation (≈ 4 min on 2 cores,
## reruns reuse the trained checkpoints; QUICK=1 for the ≈ 1 min version): runs/bias/summary.json, figures/bias_*.png
.PHONY: bias
bias:
	go run ./experiments/bias $(if $(QUICK),-quick,) $(ARGS)

## sweep: a sweep file's preset variants × seeds (resumable), then results.jsonl, table.md (means with 95 %
## intervals) and figures: make sweep SWEEP=experiments/sweeps/backbone.txt (≈ 25 min on 2 cores)
SWEEP ?= experiments/sweeps/backbone.txt
.PHONY: sweep
sweep:
	go run ./experiments/sweep -file $(SWEEP) $(ARGS)

## compare: the fair comparison (issue 11) on gmm8 and the checkerboard: every init with its own tuned post-training
## recipe on seeds 1–5, final energies with 95 % intervals, cost to reach the target energy (≈ 35–40 min on 2 cores):
## runs/compare/summary.json, table.md, figures/compare_*
.PHONY: compare
compare:
	go run ./experiments/compare $(ARGS)

## compare-mnist: the fair comparison on MNIST (mnist-quick, each init's ECT recipe tuned on seed 0, seeds 1–3,
## MNIST-FID), then the diffusion init's ECT at CMT's total cost (compare-mnist-long.txt); ≈ 2–2.5 h on 2 cores in one
## process. Two or three processes share the seeds and use the cores better (two ran ECT at ~8 steps/s each where one alone ran ~9); rerun it
## once they finish for the summary: runs/compare-mnist/summary.json, table.md, figures/compare_mnist_*
.PHONY: compare-mnist
compare-mnist:
	go run ./experiments/compare -files experiments/sweeps/compare-mnist.txt,experiments/sweeps/compare-mnist-long.txt \
		-summary runs/compare-mnist $(ARGS)

## tmid-mnist: MNIST's 2-step t_mid per model, trains nothing (≈ 6 min): scores the final models of the validation
## seed 0 (make sweep SWEEP=experiments/sweeps/tune-ect-mnist.txt, each init's chosen recipe) over a t_mid grid, then
## each model's chosen t_mid (the one in the mnist-quick preset) on the seeds 1–3 of make compare-mnist, and the
## diffusion init's at equal total cost (compare-mnist-long)
VAL ?= runs/sweep-tune-ect-mnist
TEST ?= runs/compare/compare-mnist/tuned
LONG ?= runs/compare/compare-mnist-long/diffusion-4600
.PHONY: tmid-mnist
tmid-mnist:
	go run ./experiments/tmid -tmid 0.2,0.4,0.8,1.6,3.2,6.4,12.8,25.6 -json runs/tmid-mnist-validation.jsonl \
		none=$(VAL)/q256-lr3e-4/s0 cmt=$(VAL)/q256-lr3e-4/s0 diffusion=$(VAL)/q16-lr1e-3/s0 scratch=$(VAL)/q256-lr1e-4-lin/s0
	for m in none:12.8 cmt:12.8 diffusion:12.8 scratch:6.4; do \
		go run ./experiments/tmid -tmid $${m#*:} -json runs/tmid-mnist-test-$${m%%:*}.jsonl \
			$${m%%:*}=$(TEST)/s1 $${m%%:*}=$(TEST)/s2 $${m%%:*}=$(TEST)/s3 || exit 1; done
	go run ./experiments/tmid -tmid 12.8 -json runs/tmid-mnist-test-diffusion-4600.jsonl \
		diffusion=$(LONG)/s1 diffusion=$(LONG)/s2 diffusion=$(LONG)/s3

## bench: W1–W4 interleaved with the PyTorch CPU peer (ROUNDS=3) on a quiet machine (refuses a busy one); prints
## go/torch ratios of medians, each side's CPU use, noisy workloads flagged
.PHONY: bench bench-options
bench:
	experiments/bench/run.sh

## bench-options: the Go side under several backend configurations (CONFIGS="go go:ops_sequential ..."), interleaved
bench-options:
	experiments/bench/options.sh

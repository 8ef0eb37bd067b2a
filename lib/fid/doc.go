// Package fid computes Fréchet distances between the feature statistics of two image sets: MNIST-FID on a LeNet
// classifier trained here (mnist.go) and the standard Inception-v3 FID for CIFAR-10 (inception.go). A feature
// network maps images to vectors; Stats summarises a set by the mean and covariance of those vectors; Distance is
// the Fréchet distance between the two Gaussians. Reference statistics are cached on disk (Save, Load).
package fid

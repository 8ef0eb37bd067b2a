// Package metrics measures sample quality for low-dimensional point sets,
// such as samples from a generator trained on a 2D toy distribution compared
// with samples from the target.
//
// A set of n points in dim dimensions is a row-major []float64 of length
// n*dim: point i occupies x[i*dim : (i+1)*dim]. Functions return errors, not
// panics, for invalid input: dim <= 0, a length that is not a multiple of
// dim, an empty set, or NaN (or infinite) samples.
//
// The metrics:
//
//   - EnergyDistance is the squared energy distance
//     2·E|X−Y| − E|X−X'| − E|Y−Y'|, computed exactly over all O(n·m) pairs.
//     It is zero only when the two distributions are equal and is sensitive
//     to every aspect of them (location, spread, shape, mode weights), so it
//     is the primary metric for 2D experiments. EnergyDistance is the
//     V-statistic (the distance between the empirical laws: ≥ 0, biased up
//     by E|X−X'|/n + E|Y−Y'|/m); EnergyDistanceU is the unbiased U-statistic
//     (expectation 0 for equal laws, so it can dip below 0), which resolves
//     differences smaller than the V-statistic's noise floor.
//   - SlicedW2 is the sliced Wasserstein-2 distance: the root mean square,
//     over projection directions, of the 1D Wasserstein-2 distance between
//     the projected samples. It is in the units of the data, and in 2D it
//     uses an evenly spaced grid of angles for low variance.
//   - FrechetDistance is the Fréchet (2-Wasserstein) distance between the
//     Gaussians with the samples' means and covariances, the quantity behind
//     FID; Moments and FrechetFromMoments expose the two halves so the same
//     code serves image FID on high-dimensional features. It only compares
//     first and second moments: on a multimodal target such as a Gaussian
//     mixture, a sampler that matches the mean and covariance but misplaces
//     or merges modes scores as well as a perfect one, so once the moments
//     match the value sits at its sampling-noise floor and stops
//     discriminating.
//   - ModeCoverage scores samples against a Gaussian mixture with known
//     mode means and common std: precision is the fraction of samples within
//     3·std of their nearest mode (ChiWithin gives the value a perfect sampler
//     attains), recall the fraction of modes that receive at least 10% of
//     their fair share of such samples.
package metrics

package pipeline

// Summary is what summary.json holds.
type Summary struct {
	Preset       string        `json:"preset"`
	Backend      string        `json:"backend"`
	Seed         int64         `json:"seed"`
	WallSeconds  float64       `json:"wall_seconds"`
	StageSeconds []StageTime   `json:"stage_seconds"`
	NoiseFloor   SampleMetrics `json:"noise_floor"` // metrics of fresh data against the reference set
	// EnergyEstimator is the energy distance estimator of every energy in the summary (2D data): v (V-statistic)
	// or u (unbiased U-statistic); preset key eval.energy.
	EnergyEstimator string         `json:"energy_estimator,omitempty"`
	Teacher         *TeacherReport `json:"teacher"`
	Student         *StudentReport `json:"student,omitempty"` // the mid-trained student as it leaves mid-training
	Posttrain       []PostRow      `json:"posttrain"`
	Resolved        Preset         `json:"resolved_preset"`
	FIDName         string         `json:"fid_metric,omitempty"` // image data: which FID (features, reference set)
}

// StageTime is the wall time of one stage.
type StageTime struct {
	Stage   string  `json:"stage"`
	Seconds float64 `json:"seconds"`
}

// TeacherReport describes the pre-trained teacher.
type TeacherReport struct {
	Solver    string           `json:"solver"`
	NFE       int              `json:"nfe"`
	Samples   SampleMetrics    `json:"samples"`
	FID       *float64         `json:"fid,omitempty"` // image data: FID of the teacher's samples (= samples.fid)
	Denoising []DenoisingLevel `json:"denoising,omitempty"`
	Curve     []TeacherPoint   `json:"curve,omitempty"` // during pre-training (eval.pre_every)
}

// StudentReport scores the mid-trained student itself (the pipeline with no post-training): 1-step samples and
// 2-step samples through its own t_mid (eval.t_mid_student), from the evaluator's fixed noise.
type StudentReport struct {
	Steps int            `json:"steps"` // mid-training steps
	TMid  float64        `json:"t_mid"`
	One   SampleMetrics  `json:"one_step"`
	Two   SampleMetrics  `json:"two_step"`
	Four  *SampleMetrics `json:"four_step,omitempty"` // flow maps: 4 uniform steps
}

// DenoisingLevel is the mean squared denoising error E‖D(x₀+σε, σ) − x₀‖² at one σ for the teacher, the exact
// posterior mean (the floor) and the best linear denoiser (what a net that only learned mean and covariance gets).
type DenoisingLevel struct {
	Sigma   float64 `json:"sigma"`
	Teacher float64 `json:"teacher"`
	Exact   float64 `json:"exact"`
	Linear  float64 `json:"linear"`
}

// PostRow is one post-training run.
type PostRow struct {
	Init    string         `json:"init"`
	Method  string         `json:"method"`
	Steps   int            `json:"steps"`
	Energy1 float64        `json:"energy_1step"`
	Energy2 float64        `json:"energy_2step"`
	SW21    float64        `json:"sw2_1step"`
	FD1     float64        `json:"fd_1step"`
	FD2     float64        `json:"fd_2step"`
	FID1    *float64       `json:"fid_1step,omitempty"` // image data: FID of 1-step samples at the end
	FID2    *float64       `json:"fid_2step,omitempty"`
	Curve   [][4]float64   `json:"curve"` // [step, energy_1step, energy_2step, fd_1step]; image data: [step, fid_1step, fid_2step, 0]
	Start   CurvePoint     `json:"start"` // right after initialisation (step 0)
	Final   CurvePoint     `json:"final"`
	Four    *SampleMetrics `json:"four_step,omitempty"` // flow maps: 4 uniform steps at the end
}

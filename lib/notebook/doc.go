// Package notebook is what the GoNB notebooks in notebooks/ call: one Book per notebook holds its settings (quick
// by default, full on request), its run and figure directories, and its output; its methods run pipeline stages
// with a progress bar and live loss plot that update in place, and show figures and tables inline.
//
// The package does not import GoNB: a notebook hands it GoNB's display functions, in its settings cell:
//
//	var nb = notebook.Open(notebook.Config{Name: "00_quickstart", Full: full, Quick: "pre.steps=1500",
//		Out: notebook.Output{HTML: gonbui.DisplayHTML, Update: gonbui.UpdateHTML, PNG: gonbui.DisplayPNG}})
//
// GoNB runs every cell as a new process, so each cell opens the Book again (a memorised declaration) and
// Book.Run resumes the stages earlier cells trained from their checkpoints.
//
// Methods that display results stop the cell on error: they show the error, write it to stderr and exit with
// status 1 (which the notebook test catches).
package notebook

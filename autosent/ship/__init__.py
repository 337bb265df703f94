"""Ship: choosing a trial, retraining it, testing it, exporting it and using the export.

`selection` (which trial `export best` ships), `export` and `ensemble`, `export_folder` and
`export_metadata` (the export's layout and its typed, versioned metadata), `model_card`,
`metrics`, `predict`, `inference` and `explain` (using an export), `evaluate` and `held_out`
(scoring an export on labelled data, leaving out the rows it learnt from).
"""

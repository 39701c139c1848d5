// BackfillKit is the one module an embedding program needs: it re-exports the model, the pipeline's report,
// the targets and the sandbox.
@_exported import BackfillClean
@_exported import BackfillCore
@_exported import BackfillLedger
@_exported import BackfillPipeline
@_exported import BackfillSandbox
@_exported import BackfillTargets

import BackfillCore
import BackfillTestSupport
import Foundation

/// The package root and its samples (`BackfillTestSupport`).
let packageRoot = TestSupport.packageRoot
let samplesRoot = TestSupport.samples

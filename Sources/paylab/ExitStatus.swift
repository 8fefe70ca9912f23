import ArgumentParser
import Foundation
import RunCore

/// Exit statuses: 0 passed; 1 a scenario failed (or a load did not reconcile); 2 invalid input;
/// 3 a load reconciled but missed a `--threshold`.
enum ExitStatus {
    static let failed = ExitCode(1)
    static let invalid = ExitCode(2)
    static let thresholdMissed = ExitCode(3)
}

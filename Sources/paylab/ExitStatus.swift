import ArgumentParser
import Foundation
import RunCore

/// Exit statuses of `run` and `validate`.
enum ExitStatus {
    static let failed = ExitCode(1)
    static let invalid = ExitCode(2)
}

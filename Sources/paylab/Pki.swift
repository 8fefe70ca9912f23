import ArgumentParser
import Foundation
import Wire

extension PayLab {
    /// `paylab pki`.
    struct Pki: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Certificates that outlive a run, for systems under test to trust.",
            subcommands: [Init.self]
        )

        /// `paylab pki init DIR`.
        struct Init: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "init",
                abstract: "Write a CA and a certificate for a system under test into a folder.",
                discussion: """
                    Writes DIR/ca.pem and DIR/ca-key.pem (a CA valid ten years) and DIR/sut.pem and \
                    DIR/sut-key.pem (a certificate for a system under test that has no CA of its own, \
                    naming localhost, 127.0.0.1 and ::1, valid two years). All PEM, ECDSA P-256; the keys \
                    are readable by their owner only (0600). Refuses to overwrite a folder that has a CA.

                    Then run with --pki DIR (run, serve): the nodes' certificates come from this CA, so a \
                    system under test configured once to trust DIR/ca.pem trusts every run.
                    Exit status: 0 written, 2 when the folder already has a CA or cannot be written.
                    """
            )

            @Argument(help: "The folder to write (made if missing).")
            var directory: String

            func run() async throws {
                do {
                    for path in try PKI(directory: directory).initialize() { print(path) }
                } catch {
                    printError("error: \(error)")
                    throw ExitStatus.invalid
                }
            }
        }
    }
}

import ArgumentParser
import CodecBenchmark
import Harness
import ISO8583

extension PayLab {
    /// `paylab bench`.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure PayLab's speed (build with -c release for real numbers).",
            subcommands: [Codec.self]
        )

        /// `paylab bench codec`.
        struct Codec: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Messages per second of pack, unpack and pack+unpack of a typical 0200 on one core.",
                discussion: "Each figure is the median of --runs runs of --iterations messages. Run it as: swift run -c release paylab bench codec"
            )

            @Option(help: "Messages per run.")
            var iterations = 200_000

            @Option(help: "Runs; the median is printed.")
            var runs = 5

            @Option(help: "The dialect: default, hex-bitmap or cup.")
            var dialect = "default"

            @Flag(help: "Print {\"pack\": N, \"unpack\": N, \"roundtrip\": N}.")
            var json = false

            func run() async throws {
                guard let chosen = Dialect.builtIn[dialect] else { throw ValidationError("unknown dialect '\(dialect)'") }
                let result = try CodecBenchmark.run(iterations: iterations, runs: runs, dialect: chosen)
                if json {
                    print(#"{"pack": \#(result.pack), "unpack": \#(result.unpack), "roundtrip": \#(result.roundtrip)}"#)
                } else {
                    print("codec (\(chosen.name) dialect), median of \(result.runs) runs of \(result.iterations) messages, one core:")
                    print("  pack        \(result.pack) messages/s")
                    print("  unpack      \(result.unpack) messages/s")
                    print("  roundtrip   \(result.roundtrip) messages/s")
                }
            }
        }
    }
}

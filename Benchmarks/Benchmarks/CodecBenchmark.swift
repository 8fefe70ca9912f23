public import ISO8583
import RunCore

/// Measures the codec on one core: pack, unpack and pack+unpack of a typical `0200`.
public enum CodecBenchmark {
    /// Messages per second of each operation, the median of several runs.
    public struct Result: Sendable {
        public var pack: Int
        public var unpack: Int
        public var roundtrip: Int
        public var runs: Int
        public var iterations: Int
    }

    /// The message measured: fields 2, 3, 4, 7, 11, 12, 13, 22, 25, 37, 41, 42, 49.
    public static func typicalPurchase() -> ISOMessage {
        var message = ISOMessage(mti: "0200")
        message[2] = "6222020000000001"
        message[3] = "000000"
        message[4] = "000000010000"
        message[7] = "1127103000"
        message[11] = "123456"
        message[12] = "183000"
        message[13] = "1127"
        message[22] = "021"
        message[25] = "00"
        message[37] = "000012345678"
        message[41] = "T0000001"
        message[42] = "898440354110001"
        message[49] = "156"
        return message
    }

    /// Runs each operation `iterations` times, `runs` times over, and keeps the median rate.
    public static func run(iterations: Int = 200_000, runs: Int = 5, dialect: Dialect = .default) throws -> Result {
        let codec = MessageCodec(dialect: dialect)
        var message = typicalPurchase()
        if dialect.headerLength > 0 { message.header = [UInt8](repeating: 0x60, count: dialect.headerLength) }
        let packed = try codec.pack(message)
        var sink = 0
        func rate(_ body: () throws -> Void) rethrows -> Int {
            var rates: [Double] = []
            for _ in 0..<runs {
                let start = ContinuousClock.now
                try body()
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                rates.append(Double(iterations) / seconds)
            }
            return Int(rates.sorted()[rates.count / 2])
        }
        let pack = try rate {
            for _ in 0..<iterations { sink &+= try codec.pack(message).count }
        }
        let unpack = try rate {
            for _ in 0..<iterations { sink &+= try codec.unpack(packed).mti.rawValue.utf8.count }
        }
        let roundtrip = try rate {
            for _ in 0..<iterations { sink &+= try codec.unpack(codec.pack(message)).mti.rawValue.utf8.count }
        }
        precondition(sink != 0)
        return Result(pack: pack, unpack: unpack, roundtrip: roundtrip, runs: runs, iterations: iterations)
    }
}

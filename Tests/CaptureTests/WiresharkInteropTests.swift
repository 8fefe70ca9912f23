import Foundation
import ISO8583
import Testing
import TestSupport
@testable import Capture

/// Runs tshark and returns what it printed.
func tshark(_ arguments: [String]) async throws -> String {
    try await ExternalTool.run(["tshark"] + arguments, hint: "install it: apt-get install tshark")
}

/// PayLab's default dialect as Wireshark's own `iso8583` dissector reads it.
@Suite("Interop with Wireshark's iso8583 dissector")
struct WiresharkInteropTests {
    @Test("tshark decodes a 0200 and its 0210 field by field from a capture libpcap wrote")
    func tsharkReadsOurMessages() async throws {
        var request = ISOMessage(mti: "0200")
        request[2] = "6222020000000001"
        request[3] = "000000"
        request[4] = "000000010000"
        request[7] = "1127103000"
        request[11] = "123456"
        request[41] = "T0000001"
        request[42] = "898440354110001"
        request[49] = "156"
        var response = ISOMessage(mti: "0210")
        for field in [2, 3, 4, 7, 11, 41, 42, 49] { response.setBytes(field, request.bytes(field)) }
        response[38] = "654321"
        response[39] = "00"

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("paylab-\(UUID().uuidString).pcap").path
        defer { if ProcessInfo.processInfo.environment["PAYLAB_KEEP_CAPTURE"] == nil { try? FileManager.default.removeItem(atPath: path) } }
        let capture = try MessageCapture(path: path)
        let terminal = MessageCapture.Endpoint(port: 51000), acquirer = MessageCapture.Endpoint(port: 40001)
        let codec = MessageCodec()
        for (message, from, to, time) in [(request, terminal, acquirer, Int64(1_764_239_400_000_000)), (response, acquirer, terminal, 1_764_239_400_250_000)] {
            let body = try codec.pack(message)
            capture.append(frame: [UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body, from: from, to: to, microsecondsSinceEpoch: time)
        }
        capture.close()

        let text = try await tshark([
            "-r", path, "-d", "tcp.port==40001,iso8583", "-o", "iso8583.len_endian:bigendian", "-o", "iso8583.binencode:bin",
            "-Y", "iso8583", "-T", "fields", "-E", "separator=|",
            "-e", "iso8583.mti", "-e", "iso8583.bit2", "-e", "iso8583.bit4", "-e", "iso8583.bit11", "-e", "iso8583.bit39",
            "-e", "iso8583.bit41", "-e", "iso8583.bit42", "-e", "tcp.srcport",
        ])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines == [
            "0200|6222020000000001|000000010000|123456||T0000001|898440354110001|51000",
            "0210|6222020000000001|000000010000|123456|00|T0000001|898440354110001|40001",
        ])
    }
}

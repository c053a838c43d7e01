// Content digests (SHA-256 for videos and artifacts, SHA-1 and others for shard
// hashes) through OpenSSL's libcrypto EVP interface, which uses the CPU's SHA
// instructions where present: hashing a corpus is one read of every byte, and should
// cost no more than reading it.

import CCrypto
import Foundation

/// One digest in progress. A class, so that its EVP context has one owner: it is freed
/// exactly once, when the digest goes away, whether or not it was finalised.
public final class Digest {
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha256, sha1, sha512, md5
        fileprivate var evp: OpaquePointer? {
            switch self {
            case .sha256: return EVP_sha256()
            case .sha1: return EVP_sha1()
            case .sha512: return EVP_sha512()
            case .md5: return EVP_md5()
            }
        }
    }

    public let algorithm: Algorithm
    private let context: OpaquePointer
    /// The digest once finalised.
    private var result: String?

    public init(_ algorithm: Algorithm = .sha256) {
        self.algorithm = algorithm
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, algorithm.evp, nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(result == nil, "Digest: update after finalizeHex")
        guard bytes.count > 0 else { return }
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The digest as lowercase hexadecimal. The digest cannot be updated afterwards; a
    /// second call returns the same value.
    public func finalizeHex() -> String {
        if let result { return result }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &length)
        let hex = out[0..<Int(length)].map { String(format: "%02x", $0) }.joined()
        result = hex
        return hex
    }

    public static func hex(_ bytes: [UInt8], _ algorithm: Algorithm = .sha256) -> String {
        let d = Digest(algorithm); d.update(bytes); return d.finalizeHex()
    }

    /// Digest of a file's content, streamed in 1 MiB reads.
    public static func hexOfFile(_ path: String, _ algorithm: Algorithm = .sha256) throws -> (hex: String, bytes: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        let digest = Digest(algorithm)
        var total: Int64 = 0
        while true {
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { break }
            total += Int64(chunk.count)
            chunk.withUnsafeBytes { digest.update($0) }
        }
        return (digest.finalizeHex(), total)
    }
}

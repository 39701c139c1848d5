import BackfillCore
import Foundation

extension RunReport {
    /// The shape of the history a run read, for the HTML report's charts (`--html`): when the documents were written,
    /// of which type, and how large. Counted once per document of this run's inputs (a repeated id is not counted
    /// again), where ``RunReport/timestamps`` and ``RunReport/byType`` are counted.
    public struct Shape: Sendable, Codable, Equatable {
        /// Documents dated by their source: per calendar day (`YYYY-MM-DD`, as written in `document_created_at`),
        /// per type. The bars of the timeline; they add up to ``Timestamps/fromSource``.
        public var source: [String: [String: Int]] = [:]
        /// Documents dated by a fallback (a file's modification time), per day and type: shown apart, as the date
        /// says when the file was copied rather than when it was written.
        public var fallback: [String: [String: Int]] = [:]
        /// Documents without a date, per type.
        public var undated: [String: Int] = [:]
        /// Documents per size of their content: entry k counts texts (`document`) of fewer than 2^k UTF-8 bytes (and at
        /// least 2^(k-1)); entry 0 counts empty ones.
        public var contentBytes: [Int] = []

        public init() {}

        enum CodingKeys: String, CodingKey {
            case source, fallback, undated
            case contentBytes = "content_bytes"
        }

        /// Counts one document.
        public mutating func note(_ document: MemoryDocument) {
            let type = document.request.documentType.rawValue
            switch document.createdAtOrigin {
            case .source:
                source[Self.day(document.request.documentCreatedAt), default: [:]][type, default: 0] += 1
            case .fallback:
                fallback[Self.day(document.request.documentCreatedAt), default: [:]][type, default: 0] += 1
            case .missing:
                undated[type, default: 0] += 1
            }
            let size = document.request.document.utf8.count
            let bucket = size == 0 ? 0 : Int.bitWidth - size.leadingZeroBitCount
            if contentBytes.count <= bucket { contentBytes += repeatElement(0, count: bucket + 1 - contentBytes.count) }
            contentBytes[bucket] += 1
        }

        /// The calendar day a stamp names as written (`2019-03-04T23:30:00-05:00` → `2019-03-04`), else its UTC day;
        /// `unknown` when it is no date at all (a validated document always has one).
        static func day(_ stamp: String?) -> String {
            guard let stamp else { return unknownDay }
            let prefix = stamp.utf8.prefix(10)
            let digit = { (byte: UInt8) in byte >= 0x30 && byte <= 0x39 }
            if prefix.count == 10,
                prefix.enumerated().allSatisfy({ index, byte in index == 4 || index == 7 ? byte == 0x2D : digit(byte) })
            {
                return String(decoding: prefix, as: UTF8.self)
            }
            guard let date = Timestamp.parseDateTime(stamp) else { return unknownDay }
            return String(decoding: Timestamp.format(date).utf8.prefix(10), as: UTF8.self)
        }

        /// The key of documents whose date could not be placed on a day.
        public static let unknownDay = "unknown"
    }

    /// An import's requests over the run's time, in buckets of equal width (twice as wide whenever they would be
    /// more than ``Traffic/maxBuckets``): what the HTML report's traffic chart draws.
    public struct Traffic: Sendable, Codable, Equatable {
        public struct Bucket: Sendable, Codable, Equatable {
            public var requests = 0
            public var retries = 0
            /// Answered 429 (or "instance not ready").
            public var throttled = 0
            /// Waiting (rate limiter, Retry-After, backoff) that began in this bucket, summed over workers.
            public var waitedSeconds = 0.0

            enum CodingKeys: String, CodingKey {
                case requests, retries, throttled
                case waitedSeconds = "waited_seconds"
            }

            mutating func add(_ other: Bucket) {
                requests += other.requests
                retries += other.retries
                throttled += other.throttled
                waitedSeconds += other.waitedSeconds
            }
        }

        public static let maxBuckets = 240
        /// Seconds each bucket covers, from the run's start.
        public var bucketSeconds = 1.0
        public var buckets: [Bucket] = []

        public init() {}

        enum CodingKeys: String, CodingKey {
            case buckets
            case bucketSeconds = "bucket_seconds"
        }

        /// Counts into the bucket `elapsed` seconds after the start falls in.
        public mutating func note(at elapsed: Double, _ body: (inout Bucket) -> Void) {
            var index = Int(max(0, elapsed) / bucketSeconds)
            while index >= Self.maxBuckets {
                // Halve the resolution: pairs of buckets become one.
                buckets = stride(from: 0, to: buckets.count, by: 2).map { start in
                    var merged = buckets[start]
                    if start + 1 < buckets.count { merged.add(buckets[start + 1]) }
                    return merged
                }
                bucketSeconds *= 2
                index = Int(max(0, elapsed) / bucketSeconds)
            }
            if buckets.count <= index { buckets += repeatElement(Bucket(), count: index + 1 - buckets.count) }
            body(&buckets[index])
        }
    }

    /// A plan's estimate of the upload: requests, and how long they take under the configured pacing.
    public struct Estimate: Sendable, Codable, Equatable {
        /// Requests the import would send (one per batch, without retries).
        public var requests: Int
        public var documents: Int
        /// Batches in flight at once (`--concurrency`).
        public var concurrency: Int
        public var requestsPerSecond: Double?
        public var documentsPerSecond: Double?
        /// What one request is assumed to take (`--assumed-latency`): the target's real latency is not known
        /// before anything is sent.
        public var assumedSecondsPerRequest: Double
        public var seconds: Double
        /// What bounds the estimate: `rate` (`--rate`), `doc_rate` (`--doc-rate`) or `concurrency` (latency
        /// over the batches in flight).
        public var limitedBy: String

        public init(
            requests: Int, documents: Int, concurrency: Int, requestsPerSecond: Double?, documentsPerSecond: Double?,
            assumedSecondsPerRequest: Double
        ) {
            self.requests = requests
            self.documents = documents
            self.concurrency = max(1, concurrency)
            self.requestsPerSecond = requestsPerSecond
            self.documentsPerSecond = documentsPerSecond
            self.assumedSecondsPerRequest = assumedSecondsPerRequest
            var bounds = [("concurrency", Double(requests) * assumedSecondsPerRequest / Double(self.concurrency))]
            if let requestsPerSecond { bounds.append(("rate", Double(requests) / requestsPerSecond)) }
            if let documentsPerSecond { bounds.append(("doc_rate", Double(documents) / documentsPerSecond)) }
            let longest = bounds.max { $0.1 < $1.1 } ?? ("concurrency", 0)
            seconds = longest.1
            limitedBy = longest.0
        }

        enum CodingKeys: String, CodingKey {
            case requests, documents, concurrency, seconds
            case requestsPerSecond = "requests_per_second"
            case documentsPerSecond = "documents_per_second"
            case assumedSecondsPerRequest = "assumed_seconds_per_request"
            case limitedBy = "limited_by"
        }
    }
}

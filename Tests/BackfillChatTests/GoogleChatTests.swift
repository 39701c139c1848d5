import BackfillChatAdapter
import BackfillCore
import BackfillTestSupport
import Foundation
import Testing

/// Google Chat (Takeout) beyond its goldens: the date shapes exports write, and sniffing.
/// Broken on purpose: splitting the date only at spaces (not at U+202F) made the 2023 sample's date nil and failed
/// `dates`; the 12-hour rule without `% 12` made 12:04 PM 24:04 (an invalid date) and failed it too.
@Suite("Google Chat")
struct GoogleChatTests {
    @Test func dates() {
        func iso(_ text: String) -> String? { GoogleChatAdapter.date(text).map(Timestamp.format) }
        #expect(iso("Thursday, November 3, 2016 at 11:59:50 AM UTC") == "2016-11-03T11:59:50Z")
        #expect(iso("Thursday, November 3, 2016 at 12:04:10 PM UTC") == "2016-11-03T12:04:10Z")
        #expect(iso("Friday, November 4, 2016 at 12:00:01 AM UTC") == "2016-11-04T00:00:01Z")
        // Newer exports: a narrow no-break space before the meridiem.
        #expect(iso("Wednesday, March 8, 2023 at 6:43:10\u{202F}PM UTC") == "2023-03-08T18:43:10Z")
        #expect(iso("March 8, 2023 at 6:43:10 PM GMT") == "2023-03-08T18:43:10Z")
        for bad in [
            "not a date", "Monday, February 30, 2023 at 1:00:00 PM UTC", "Monday, May 1, 2023 at 13:00:00 PM UTC",
            "Monday, May 1, 2023 at 1:00 PM UTC", "Monday, May 1, 2023 at 1:00:00 PM Mars/Olympus", "",
        ] {
            #expect(iso(bad) == nil, "\(bad)")
        }
    }

    @Test func sniffing() {
        func sniff(_ name: String, _ text: String) -> SniffConfidence {
            GoogleChatAdapter().sniff(SourceProbe(fileName: name, displayPath: name, head: Array(text.utf8), size: nil))
        }
        #expect(
            sniff("messages.json", #"{"messages":[{"creator":{"name":"A"},"created_date":"x","text":"hi"}]}"#)
                == .certain)
        #expect(sniff("group_info.json", #"{"name":"T","members":[{"name":"A","user_type":"Human"}]}"#) == .likely)
        #expect(sniff("messages.json", #"{"messages":[{"author":"A","text":"hi"}]}"#) == .no)
        #expect(sniff("notes.json", #"{"members":[{"user_type":"Human"}]}"#) == .no)
    }
}

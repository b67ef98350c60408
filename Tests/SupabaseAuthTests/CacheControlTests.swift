import SupabaseAuth
import Testing

@Suite("Cache-Control max-age")
struct CacheControlTests {
    @Test(arguments: [
        ("public, max-age=600", Duration?.some(.seconds(600))),
        ("max-age=5", .seconds(5)),
        ("MAX-AGE = 60", .seconds(60)),  // names are case-insensitive; stray spaces are tolerated
        ("private,Max-Age=120 ,must-revalidate", .seconds(120)),
        ("max-age=\"30\"", .seconds(30)),
        ("max-age=30, max-age=90", .seconds(30)),
        ("s-maxage=300", nil),
        ("max-age=", nil),
        ("max-age=-1", nil),
        ("max-age=1.5", nil),
        ("max-age=99999999999999999999999", .seconds(Int(Int32.max))),
        ("no-cache", .zero),
        ("max-age=600, no-store", .zero),
        ("", nil),
    ])
    func maxAge(value: String, expected: Duration?) {
        #expect(CacheControl.maxAge(value) == expected)
    }

    @Test func noHeaderNoMaxAge() {
        #expect(CacheControl.maxAge(nil) == nil)
    }
}

using System.Text;
using Reach.Analysis.Events;

namespace Reach.Analysis.Tests;

public sealed class EventParserTests
{
    private static ParsedBatch Ndjson(string text) => EventParser.ParseNdjson(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Every_event_type_of_the_spec_parses()
    {
        var batch = Ndjson("""
            {"type":"account","accountId":"a","followers":12,"handle":"@a","at":"2026-01-01T00:00:00Z"}
            {"type":"follow","accountId":"b","targetId":"a","at":"2026-01-01T00:00:00+02:00"}
            {"type":"unfollow","accountId":"b","targetId":"a","at":"2026-01-01T00:00:00.123-0500"}
            {"type":"followers","accountId":"a","followerIds":["b","c"],"at":"2026-01-01T00:00:00Z"}
            {"type":"post","postId":"p","accountId":"a","tags":["x"],"at":"2026-01-01T00:00:00Z"}
            {"type":"repost","postId":"r","accountId":"b","rootPostId":"p","parentPostId":"p","at":"2026-01-01T00:01:00Z"}
            {"type":"quote","postId":"q","accountId":"c","quotedPostId":"p","at":"2026-01-01T00:02:00Z"}
            {"type":"reply","postId":"y","accountId":"c","parentPostId":"r","at":"2026-01-01T00:03:00Z"}
            {"type":"like","accountId":"c","postId":"p","at":"2026-01-01T00:04:00Z"}
            {"type":"impressions","postId":"p","count":1000,"at":"2026-01-01T00:05:00Z"}
            """);

        Assert.Empty(batch.Errors);
        Assert.Equal(Enum.GetValues<EventType>(), batch.Events.Select(e => e.Event.Type));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 5, 0, 0, 123, TimeSpan.Zero).UtcTicks, batch.Events[2].Event.At);
        Assert.Equal(["b", "c"], batch.Events[3].Event.FollowerIds);
    }

    [Fact]
    public void A_type_written_with_escapes_is_the_type_it_spells()
    {
        var batch = Ndjson("""{"type":"rep\u006fst","postId":"r","accountId":"b","rootPostId":"p","at":"2026-01-01T00:00:00Z"}""");

        Assert.Equal(EventType.Repost, Assert.Single(batch.Events).Event.Type);
    }

    [Theory]
    [InlineData("""{"type":"repost","postId":"r","accountId":"b","at":"2026-01-01T00:00:00Z"}""", "missing required field 'rootPostId'")]
    [InlineData("""{"type":"post","postId":"p","accountId":"a","at":"2026-01-01T00:00:00"}""", "'at' must be an ISO-8601 time with an offset")]
    [InlineData("""{"type":"post","postId":"p","accountId":"a","at":"yesterday"}""", "'at' must be an ISO-8601 time with an offset")]
    [InlineData("""{"type":"post","postId":"","accountId":"a","at":"2026-01-01T00:00:00Z"}""", "'postId' must be 1–128 characters")]
    [InlineData("""{"type":"boost","postId":"p","at":"2026-01-01T00:00:00Z"}""", "unknown event type 'boost'")]
    [InlineData("""{"type":"Repost","postId":"p","at":"2026-01-01T00:00:00Z"}""", "unknown event type 'Repost'")]
    [InlineData("""{"type":"reposts","postId":"p","at":"2026-01-01T00:00:00Z"}""", "unknown event type 'reposts'")]
    [InlineData("""{"type":7,"postId":"p","at":"2026-01-01T00:00:00Z"}""", "'type' must be a string")]
    [InlineData("""{"type":"account","accountId":"a","followers":-1,"at":"2026-01-01T00:00:00Z"}""", "'followers' must be an integer from 0 to")]
    [InlineData("""{"type":"impressions","postId":"p","count":9007199254740993,"at":"2026-01-01T00:00:00Z"}""", "'count' must be an integer from 0 to")]
    [InlineData("""{"type":"post","postId":"s\ud800","accountId":"a","at":"2026-01-01T00:00:00Z"}""", "not valid JSON text")]
    [InlineData("""{"type":"post","postId":"ctl\u0001","accountId":"a","at":"2026-01-01T00:00:00Z"}""", "'postId' holds a control character")]
    [InlineData("""{"type":"post","postId":"del\u007f","accountId":"a","at":"2026-01-01T00:00:00Z"}""", "'postId' holds a control character or an unpaired surrogate at position 4")]
    [InlineData("""{"type":"post","postId":"p","accountId":"é\u0085","at":"2026-01-01T00:00:00Z"}""", "'accountId' holds a control character or an unpaired surrogate at position 2")]
    [InlineData("""{"type":"repost","postId":"r","accountId":"b","rootPostId":"r","at":"2026-01-01T00:00:00Z"}""", "cannot be its own root")]
    [InlineData("""{"type":"follow","accountId":"a","targetId":"a","at":"2026-01-01T00:00:00Z"}""", "cannot follow itself")]
    [InlineData("""{"type":"post","postId":"p",""", "not valid JSON")]
    [InlineData("""[1,2]""", "must be a JSON object")]
    public void A_bad_line_is_named_with_the_reason(string line, string reason)
    {
        var batch = Ndjson("{\"type\":\"like\",\"accountId\":\"a\",\"postId\":\"p\",\"at\":\"2026-01-01T00:00:00Z\"}\n\n" + line + "\n");

        var error = Assert.Single(batch.Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Single(batch.Events);
    }

    [Theory]
    [InlineData(" ~!x")]
    [InlineData("é-ü")]
    [InlineData("😀 post")]
    public void An_id_of_printable_text_in_any_script_is_accepted(string id)
    {
        var batch = Ndjson(System.Text.Json.JsonSerializer.Serialize(new { type = "post", postId = id, accountId = id, at = "2026-01-01T00:00:00Z" }));

        Assert.Empty(batch.Errors);
        Assert.Equal(id, Assert.Single(batch.Events).Event.PostId);
    }

    [Fact]
    public void An_id_longer_than_128_characters_is_rejected()
    {
        var batch = Ndjson($$"""{"type":"post","postId":"{{new string('x', 129)}}","accountId":"a","at":"2026-01-01T00:00:00Z"}""");

        Assert.Contains("'postId' must be 1–128 characters", Assert.Single(batch.Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_array_names_bad_elements_by_position()
    {
        var batch = EventParser.ParseJsonArray(Encoding.UTF8.GetBytes("""
            [{"type":"post","postId":"p","accountId":"a","at":"2026-01-01T00:00:00Z"},
             {"type":"post","postId":"q","at":"2026-01-01T00:00:00Z"}]
            """));

        Assert.Single(batch.Events);
        var error = Assert.Single(batch.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("'accountId'", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Written_events_parse_back_to_the_same_events()
    {
        var events = Synthetic.SyntheticCascadeGenerator.Generate(new Synthetic.SyntheticOptions { Nodes = 200, Seed = 3 }).ToList();

        var parsed = EventParser.ParseNdjson(EventWriter.ToNdjson(events));

        Assert.Empty(parsed.Errors);
        Assert.Equal(events.Count, parsed.Events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var (expected, actual) = (events[i], parsed.Events[i].Event);
            Assert.Equal(expected with { Tags = null, FollowerIds = null }, actual with { Tags = null, FollowerIds = null });
        }
    }
}

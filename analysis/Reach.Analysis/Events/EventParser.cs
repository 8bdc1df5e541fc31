using System.Text.Json;
using Reach.Analysis.Ids;

namespace Reach.Analysis.Events;

/// <summary>The valid events of a batch and the reasons its other lines were rejected.</summary>
public sealed record ParsedBatch(IReadOnlyList<NumberedEvent> Events, IReadOnlyList<EventError> Errors)
{
    /// <summary>Part of the body could not be read at all (a JSON array broken midway): refuse it whole, even when skipping bad lines.</summary>
    public bool Unreadable { get; init; }
}

/// <summary>
/// Parses and validates event batches: NDJSON (one event per line; blank lines are allowed and
/// counted) or a JSON array (an element's line is its 1-based position in the array).
/// Unknown members are ignored so that producers can add fields without breaking ingest.
/// </summary>
public static class EventParser
{
    /// <summary>Largest follower or impression count taken: far above any real account, small enough that sums over a million nodes cannot overflow.</summary>
    public const long MaxCount = 1_000_000_000_000;

    public static ParsedBatch ParseNdjson(ReadOnlySpan<byte> body)
    {
        var events = new List<NumberedEvent>(body.Count((byte)'\n') + 1);
        var errors = new List<EventError>();
        var line = 0;
        while (!body.IsEmpty)
        {
            line++;
            var newline = body.IndexOf((byte)'\n');
            var current = newline < 0 ? body : body[..newline];
            body = newline < 0 ? [] : body[(newline + 1)..];
            if (current.Length > 0 && current[^1] == (byte)'\r')
            {
                current = current[..^1];
            }

            if (IsBlank(current))
            {
                continue;
            }

            try
            {
                var reader = new Utf8JsonReader(current);
                reader.Read();
                var result = ParseObject(ref reader);
                if (result.Error is null && reader.Read())
                {
                    result = Outcome.Fail("the line holds more than one JSON value; NDJSON takes one event per line");
                }

                Collect(line, result, events, errors);
            }
            catch (JsonException exception)
            {
                errors.Add(new EventError(line, $"not valid JSON: {TrimJsonMessage(exception.Message)}"));
            }
            catch (InvalidOperationException exception)
            {
                // e.g. a string escape that is not valid UTF-16 (a lone surrogate)
                errors.Add(new EventError(line, $"not valid JSON text: {exception.Message}"));
            }
        }

        return new ParsedBatch(events, errors);
    }

    public static ParsedBatch ParseJsonArray(ReadOnlySpan<byte> body)
    {
        var events = new List<NumberedEvent>();
        var errors = new List<EventError>();
        var position = 0;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                errors.Add(new EventError(1, "the body must be a JSON array of events (or NDJSON with the application/x-ndjson content type)"));
                return new ParsedBatch(events, errors);
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                position++;
                Collect(position, ParseObject(ref reader), events, errors);
            }
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // Past a syntax error the array's elements cannot be told apart: the batch is unreadable as a whole.
            errors.Add(new EventError(Math.Max(position, 1),
                $"not valid JSON: {TrimJsonMessage(exception.Message)}; elements from here on could not be read"));
            return new ParsedBatch(events, errors) { Unreadable = true };
        }

        return new ParsedBatch(events, errors);
    }

    private static void Collect(int line, Outcome outcome, List<NumberedEvent> events, List<EventError> errors)
    {
        if (outcome.Error is not null)
        {
            errors.Add(new EventError(line, outcome.Error));
        }
        else
        {
            events.Add(new NumberedEvent(line, outcome.Event!));
        }
    }

    private static string TrimJsonMessage(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut];
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t'))
            {
                return false;
            }
        }

        return true;
    }

    private readonly record struct Outcome(ReachEvent? Event, string? Error)
    {
        public static Outcome Fail(string error) => new(null, error);
    }

    private ref struct Fields
    {
        public string? Type;
        public string? PostId;
        public string? AccountId;
        public string? RootPostId;
        public string? ParentPostId;
        public string? QuotedPostId;
        public string? TargetId;
        public string? Handle;
        public long? At;
        public long? Followers;
        public long? Count;
        public List<string>? Tags;
        public List<string>? FollowerIds;
        public bool HasFollowers;
        public bool HasCount;
    }

    /// <summary>Reads one event object; the reader stands on its first token and ends on its last.</summary>
    private static Outcome ParseObject(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return Outcome.Fail("an event must be a JSON object");
        }

        var fields = default(Fields);
        string? firstError = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            var error = ReadField(ref reader, name, ref fields);
            firstError ??= error;
        }

        return firstError is not null ? Outcome.Fail(firstError) : Validate(ref fields);
    }

    private static string? ReadField(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, ref Fields fields)
    {
        if (name.SequenceEqual("type"u8))
        {
            // A known type, as nearly every event has, takes its name's constant instead of a new string.
            if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence
                && ReachEvent.TryParseType(reader.ValueSpan, out var type))
            {
                fields.Type = ReachEvent.TypeName(type);
                return null;
            }

            return ReadString(ref reader, "type", out fields.Type);
        }

        if (name.SequenceEqual("postId"u8))
        {
            return ReadId(ref reader, "postId", out fields.PostId);
        }

        if (name.SequenceEqual("accountId"u8))
        {
            return ReadId(ref reader, "accountId", out fields.AccountId);
        }

        if (name.SequenceEqual("rootPostId"u8))
        {
            return ReadId(ref reader, "rootPostId", out fields.RootPostId);
        }

        if (name.SequenceEqual("parentPostId"u8))
        {
            return ReadOptionalId(ref reader, "parentPostId", out fields.ParentPostId);
        }

        if (name.SequenceEqual("quotedPostId"u8))
        {
            return ReadId(ref reader, "quotedPostId", out fields.QuotedPostId);
        }

        if (name.SequenceEqual("targetId"u8))
        {
            return ReadId(ref reader, "targetId", out fields.TargetId);
        }

        if (name.SequenceEqual("handle"u8))
        {
            return reader.TokenType == JsonTokenType.Null ? null : ReadString(ref reader, "handle", out fields.Handle);
        }

        if (name.SequenceEqual("at"u8))
        {
            return ReadTime(ref reader, out fields.At);
        }

        if (name.SequenceEqual("followers"u8))
        {
            fields.HasFollowers = true;
            return ReadCount(ref reader, "followers", out fields.Followers);
        }

        if (name.SequenceEqual("count"u8))
        {
            fields.HasCount = true;
            return ReadCount(ref reader, "count", out fields.Count);
        }

        if (name.SequenceEqual("tags"u8))
        {
            return ReadStringArray(ref reader, "tags", isId: false, out fields.Tags);
        }

        if (name.SequenceEqual("followerIds"u8))
        {
            return ReadStringArray(ref reader, "followerIds", isId: true, out fields.FollowerIds);
        }

        reader.Skip();
        return null;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string field, out string? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return $"'{field}' must be a string";
        }

        value = reader.GetString();
        return null;
    }

    private static string? ReadId(ref Utf8JsonReader reader, string field, out string? value)
    {
        var error = ReadString(ref reader, field, out value);
        return error ?? CheckId(field, value!);
    }

    private static string? ReadOptionalId(ref Utf8JsonReader reader, string field, out string? value)
    {
        value = null;
        return reader.TokenType == JsonTokenType.Null ? null : ReadId(ref reader, field, out value);
    }

    private static string? CheckId(string field, string value)
    {
        if (value.Length is 0 or > IdTable.MaxIdLength)
        {
            return $"'{field}' must be 1–{IdTable.MaxIdLength} characters long (it has {value.Length})";
        }

        // Ids travel into GraphML and GEXF: no control characters, no unpaired surrogates. Nearly
        // every id is printable ASCII, which holds neither: one vectorized scan settles those.
        if (!value.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            return null;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (!System.Xml.XmlConvert.IsXmlChar(c) || char.IsControl(c))
            {
                return $"'{field}' holds a control character or an unpaired surrogate at position {i + 1}";
            }
        }

        return null;
    }

    private static string? ReadCount(ref Utf8JsonReader reader, string field, out long? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var number) || number is < 0 or > MaxCount)
        {
            reader.Skip();
            return $"'{field}' must be an integer from 0 to {MaxCount}";
        }

        value = number;
        return null;
    }

    private static string? ReadTime(ref Utf8JsonReader reader, out long? ticks)
    {
        ticks = null;
        const string Expected = "'at' must be an ISO-8601 time with an offset, e.g. 2026-01-31T12:00:00Z";
        if (reader.TokenType != JsonTokenType.String || reader.HasValueSequence || reader.ValueIsEscaped)
        {
            reader.Skip();
            return Expected;
        }

        if (!HasOffset(reader.ValueSpan))
        {
            return Expected;
        }

        // The reader takes ISO-8601's extended profile; a basic offset (+0200) needs the general parser.
        if (!reader.TryGetDateTimeOffset(out var time)
            && !DateTimeOffset.TryParse(reader.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out time))
        {
            return Expected;
        }

        ticks = time.UtcTicks;
        return null;
    }

    private static bool HasOffset(ReadOnlySpan<byte> text)
    {
        if (text.Length < 11 || text[10] is not ((byte)'T' or (byte)'t'))
        {
            return false;
        }

        if (text[^1] is (byte)'Z' or (byte)'z')
        {
            return true;
        }

        // ±hh:mm or ±hhmm at the end, after the time part.
        var sign = text.Length - 6;
        if (sign > 11 && text[sign] is (byte)'+' or (byte)'-' && text[sign + 3] == (byte)':')
        {
            return true;
        }

        sign = text.Length - 5;
        return sign > 11 && text[sign] is (byte)'+' or (byte)'-';
    }

    private static string? ReadStringArray(ref Utf8JsonReader reader, string field, bool isId, out List<string>? values)
    {
        values = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return $"'{field}' must be an array of strings";
        }

        var list = new List<string>();
        string? error = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                reader.Skip();
                error ??= $"'{field}' must be an array of strings";
                continue;
            }

            var value = reader.GetString()!;
            error ??= isId ? CheckId($"{field}[{list.Count}]", value) : null;
            list.Add(value);
        }

        values = list;
        return error;
    }

    private static Outcome Validate(ref Fields f)
    {
        if (f.Type is null)
        {
            return Outcome.Fail("missing required field 'type'");
        }

        if (!ReachEvent.TryParseType(f.Type, out var type))
        {
            return Outcome.Fail($"unknown event type '{Truncate(f.Type)}'; expected one of account, follow, unfollow, followers, post, repost, quote, reply, like, impressions");
        }

        List<string>? missing = null;
        void Require(bool present, string name)
        {
            if (!present)
            {
                (missing ??= []).Add(name);
            }
        }

        switch (type)
        {
            case EventType.Account:
                Require(f.AccountId is not null, "accountId");
                Require(f.HasFollowers, "followers");
                break;
            case EventType.Follow or EventType.Unfollow:
                Require(f.AccountId is not null, "accountId");
                Require(f.TargetId is not null, "targetId");
                break;
            case EventType.Followers:
                Require(f.AccountId is not null, "accountId");
                Require(f.FollowerIds is not null, "followerIds");
                break;
            case EventType.Post:
                Require(f.PostId is not null, "postId");
                Require(f.AccountId is not null, "accountId");
                break;
            case EventType.Repost:
                Require(f.PostId is not null, "postId");
                Require(f.AccountId is not null, "accountId");
                Require(f.RootPostId is not null, "rootPostId");
                break;
            case EventType.Quote:
                Require(f.PostId is not null, "postId");
                Require(f.AccountId is not null, "accountId");
                Require(f.QuotedPostId is not null, "quotedPostId");
                break;
            case EventType.Reply:
                Require(f.PostId is not null, "postId");
                Require(f.AccountId is not null, "accountId");
                Require(f.ParentPostId is not null, "parentPostId");
                break;
            case EventType.Like:
                Require(f.AccountId is not null, "accountId");
                Require(f.PostId is not null, "postId");
                break;
            case EventType.Impressions:
                Require(f.PostId is not null, "postId");
                Require(f.HasCount, "count");
                break;
        }

        Require(f.At is not null, "at");
        if (missing is not null)
        {
            var names = string.Join(", ", missing.Select(m => $"'{m}'"));
            return Outcome.Fail($"{ReachEvent.TypeName(type)} event is missing required field{(missing.Count > 1 ? "s" : "")} {names}");
        }

        var selfReference = type switch
        {
            EventType.Repost when f.PostId == f.RootPostId => "a repost cannot be its own root ('postId' equals 'rootPostId')",
            EventType.Repost or EventType.Reply when f.PostId == f.ParentPostId => "a post cannot be its own parent ('postId' equals 'parentPostId')",
            EventType.Quote when f.PostId == f.QuotedPostId => "a quote cannot quote itself ('postId' equals 'quotedPostId')",
            EventType.Follow or EventType.Unfollow when f.AccountId == f.TargetId => "an account cannot follow itself ('accountId' equals 'targetId')",
            _ => null,
        };
        if (selfReference is not null)
        {
            return Outcome.Fail(selfReference);
        }

        return new Outcome(new ReachEvent
        {
            Type = type,
            At = f.At!.Value,
            PostId = f.PostId,
            AccountId = f.AccountId,
            RootPostId = type == EventType.Repost ? f.RootPostId : null,
            ParentPostId = type is EventType.Repost or EventType.Reply ? f.ParentPostId : null,
            QuotedPostId = type == EventType.Quote ? f.QuotedPostId : null,
            TargetId = type is EventType.Follow or EventType.Unfollow ? f.TargetId : null,
            Handle = type == EventType.Account ? f.Handle : null,
            Followers = type == EventType.Account ? f.Followers : null,
            Count = type == EventType.Impressions ? f.Count : null,
            Tags = type == EventType.Post ? f.Tags : null,
            FollowerIds = type == EventType.Followers ? f.FollowerIds : null,
        }, null);
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}

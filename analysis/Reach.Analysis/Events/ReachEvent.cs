namespace Reach.Analysis.Events;

/// <summary>The event types of the neutral input format (see SPEC.md, "Events").</summary>
public enum EventType : byte
{
    Account,
    Follow,
    Unfollow,
    Followers,
    Post,
    Repost,
    Quote,
    Reply,
    Like,
    Impressions,
}

/// <summary>
/// One validated event. Which members are set depends on <see cref="Type"/>; the parser guarantees
/// that every field the type requires is present and well formed.
/// </summary>
public sealed record ReachEvent
{
    public required EventType Type { get; init; }

    /// <summary>UTC time of the event in ticks (100 ns).</summary>
    public required long At { get; init; }

    public string? PostId { get; init; }
    public string? AccountId { get; init; }
    public string? RootPostId { get; init; }
    public string? ParentPostId { get; init; }
    public string? QuotedPostId { get; init; }
    public string? TargetId { get; init; }
    public string? Handle { get; init; }
    public long? Followers { get; init; }
    public long? Count { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public IReadOnlyList<string>? FollowerIds { get; init; }

    public DateTimeOffset AtTime => new(At, TimeSpan.Zero);

    public static string TypeName(EventType type) => type switch
    {
        EventType.Account => "account",
        EventType.Follow => "follow",
        EventType.Unfollow => "unfollow",
        EventType.Followers => "followers",
        EventType.Post => "post",
        EventType.Repost => "repost",
        EventType.Quote => "quote",
        EventType.Reply => "reply",
        EventType.Like => "like",
        EventType.Impressions => "impressions",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParseType(string name, out EventType type) => TypesByName.TryGetValue(name, out type);

    /// <summary><see cref="TryParseType(string, out EventType)"/> of a name's UTF-8 bytes.</summary>
    public static bool TryParseType(ReadOnlySpan<byte> utf8, out EventType type)
    {
        foreach (var (name, value) in TypesByUtf8Name)
        {
            if (utf8.SequenceEqual(name))
            {
                type = value;
                return true;
            }
        }

        type = default;
        return false;
    }

    private static readonly (byte[] Name, EventType Type)[] TypesByUtf8Name =
        [.. Enum.GetValues<EventType>().Select(t => (System.Text.Encoding.UTF8.GetBytes(TypeName(t)), t))];

    private static readonly Dictionary<string, EventType> TypesByName =
        Enum.GetValues<EventType>().ToDictionary(TypeName, StringComparer.Ordinal);
}

/// <summary>An event together with its 1-based position in the batch it came in.</summary>
public readonly record struct NumberedEvent(int Line, ReachEvent Event);

/// <summary>Why one line of a batch was rejected.</summary>
public sealed record EventError(int Line, string Reason);

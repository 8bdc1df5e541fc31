using Reach.Analysis.Events;
using Reach.Grains;

namespace Reach.Api.Ingest;

/// <summary>
/// Counts a batch's lines by event type and outcome into <c>reach_events_total</c>: one counter
/// update per type and outcome, not per event, and the tally kept in a small array, since the
/// per-event work was a visible share of ingest.
/// </summary>
internal sealed class EventCounts
{
    /// <summary>The type tag of a line that could not be read as an event.</summary>
    private const string UnreadableType = "invalid";

    private static readonly string[] Outcomes = ["accepted", "duplicate", "conflict", "rejected"];
    private const int Accepted = 0, Duplicate = 1, Conflict = 2, Rejected = 3;

    private static readonly EventType[] Types = Enum.GetValues<EventType>();

    /// <summary>Column <see cref="Types"/>.Length is the unreadable lines'.</summary>
    private static readonly int Unreadable = Types.Length;

    private readonly IReadOnlyList<NumberedEvent> _events;

    /// <summary>Each line's event type, by line number; <see cref="Unreadable"/> for lines without an event.</summary>
    private readonly byte[] _typeOfLine;

    /// <param name="lastLine">The batch's highest line number, of an event or of an unreadable line.</param>
    public EventCounts(IReadOnlyList<NumberedEvent> events, int lastLine)
    {
        _events = events;
        _typeOfLine = new byte[lastLine + 1];
        Array.Fill(_typeOfLine, (byte)Unreadable);
        foreach (var numbered in events)
        {
            _typeOfLine[numbered.Line] = (byte)numbered.Event.Type;
        }
    }

    /// <summary>A batch refused whole: every event and every unreadable line is rejected.</summary>
    public void CountAllRejected(int unreadableLines)
    {
        var counts = new int[Types.Length + 1, Outcomes.Length];
        foreach (var numbered in _events)
        {
            counts[(int)numbered.Event.Type, Rejected]++;
        }

        counts[Unreadable, Rejected] += unreadableLines;
        Publish(counts);
    }

    /// <summary>A batch taken: each line's outcome, and the refused lines (unreadable, or skipped for a cycle) as rejected.</summary>
    public void Count(IEnumerable<(int Line, ItemOutcome Outcome)> outcomes, IEnumerable<EventError> refused)
    {
        var counts = new int[Types.Length + 1, Outcomes.Length];
        foreach (var (line, outcome) in outcomes)
        {
            counts[_typeOfLine[line], outcome switch
            {
                ItemOutcome.Conflict or ItemOutcome.Cycle => Conflict,
                ItemOutcome.Duplicate => Duplicate,
                _ => Accepted,
            }]++;
        }

        foreach (var error in refused)
        {
            counts[_typeOfLine[error.Line], Rejected]++;
        }

        Publish(counts);
    }

    private static void Publish(int[,] counts)
    {
        for (var type = 0; type <= Types.Length; type++)
        {
            for (var outcome = 0; outcome < Outcomes.Length; outcome++)
            {
                if (counts[type, outcome] > 0)
                {
                    ReachMeters.Events.Add(
                        counts[type, outcome],
                        new KeyValuePair<string, object?>("type", type == Unreadable ? UnreadableType : ReachEvent.TypeName(Types[type])),
                        new KeyValuePair<string, object?>("outcome", Outcomes[outcome]));
                }
            }
        }
    }
}

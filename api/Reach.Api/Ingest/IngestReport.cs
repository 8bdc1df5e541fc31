using Reach.Analysis.Events;

namespace Reach.Api.Ingest;

/// <summary>A line that was not applied, and why.</summary>
public sealed record LineProblem(int Line, string Reason);

/// <summary>What happened to a batch: every line is counted once as accepted, duplicate, conflict or rejected.</summary>
public sealed record IngestReport(
    int Received,
    int Accepted,
    int Duplicates,
    IReadOnlyList<LineProblem> Conflicts,
    IReadOnlyList<LineProblem> Rejected);

/// <summary>The outcome of an ingest call: a report, or the reasons the whole batch was refused.</summary>
public sealed record IngestOutcome(IngestReport? Report, IReadOnlyList<EventError>? Refused);

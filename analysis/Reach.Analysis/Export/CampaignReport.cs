using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Reach.Analysis.Audience;

namespace Reach.Analysis.Export;

/// <summary>How many facts of each kind a report rests on.</summary>
public sealed record EvidenceCounts(int Posts, int Reposts, int Accounts, long FollowerEntries);

/// <summary>
/// What a client needs to check a report: the method, the engine, the time range, how many facts
/// it rests on and a SHA-256 digest over their canonical list (<see cref="EvidenceDigest"/>).
/// </summary>
public sealed record CampaignReportEvidence(
    string Method, string Engine, DateTimeOffset? From, DateTimeOffset? To, long Events, EvidenceCounts Counts, string Digest);

/// <summary>The top post's cascade for drawing: node ids and parent indexes (the first nodes in time order, at most a few hundred).</summary>
public sealed record ReportTree(string PostId, int TotalNodes, IReadOnlyList<string> NodeIds, IReadOnlyList<int> Parents);

public sealed record CampaignReport(
    int ReportVersion,
    string CampaignId,
    string? Name,
    DateTimeOffset GeneratedAt,
    TimeSpan Bucket,
    CampaignMetrics Figures,
    CampaignReportEvidence Evidence,
    ReportTree? TopPostTree)
{
    public const int CurrentVersion = 1;

    public const string Method =
        "Reach: the union of the follower sets of every node (root posts, reposts, quotes) of the campaign's posts, each account counted once; " +
        "exact while at most the exact limit of accounts, beyond it a HyperLogLog estimate at precision 14 (relative standard error 0.81 %). " +
        "An account whose follower set is unknown adds its follower count (an upper bound). Earned reach: reach minus the authors' combined audience. " +
        "Parents: as the events name them, else time-inferred from the follower graph (Goel et al. 2016).";

    public static string Engine { get; } =
        "Reach " + (typeof(CampaignReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown");
}

/// <summary>
/// SHA-256 over the canonical list of the facts behind a report, one line each, in ordinal order:
/// every node of every campaign post (root post id, post id, account, kind, named parent, time in
/// ticks), and every participant's follower count and follower set (size and a digest of its sorted
/// 64-bit member hashes, or of its sketch beyond the exact limit). Recomputed from stored state, it
/// changes exactly when the facts behind the figures change.
/// </summary>
public static class EvidenceDigest
{
    public static string Compute(IEnumerable<string> nodeLines, IEnumerable<string> accountLines)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var line in nodeLines.Order(StringComparer.Ordinal).Concat(accountLines.Order(StringComparer.Ordinal)))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(line));
            hash.AppendData("\n"u8);
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static string NodeLine(string rootPostId, string postId, string accountId, string kind, string? namedParent, long at) =>
        string.Join('\t', "node", rootPostId, postId, accountId, kind, namedParent ?? "-", at.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static string AccountLine(string accountId, long followers, AccountAudience? audience)
    {
        var set = audience switch
        {
            { FollowersKnown: true, Members: { } members } => $"{audience.FollowerSetSize}\tmembers:{Sha256(System.Runtime.InteropServices.MemoryMarshal.AsBytes(members.AsSpan()))}",
            { FollowersKnown: true, Sketch: { } sketch } => $"{audience.FollowerSetSize}\tsketch:{Sha256(sketch)}",
            { FollowersKnown: true } => $"{audience.FollowerSetSize}\t-",
            _ => "unknown",
        };
        return string.Join('\t', "account", accountId, followers.ToString(System.Globalization.CultureInfo.InvariantCulture), set);
    }

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

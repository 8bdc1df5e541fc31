namespace Reach.Grains.Journal;

/// <summary>
/// Encodes one kind of journal entry in the compact encoding instead of Orleans' serializer, for
/// the entries every reposted event writes. Orleans' serializer tags every field and every array
/// element and tracks string references; that was a tenth of the service's time under durable
/// ingest. Each entry is stored with its <see cref="Format"/>, so entries written in an earlier
/// format (0: Orleans' serializer) are still read, and a later change of encoding takes a new number.
/// </summary>
public abstract class JournalCodec<TEntry>
{
    /// <summary>Stored with every entry this codec writes; never 0, which marks Orleans' serializer.</summary>
    public abstract short Format { get; }

    public abstract void Write(TEntry entry, CompactWriter writer);

    /// <summary>
    /// Reads a whole entry of <see cref="Format"/>; throws <see cref="InvalidDataException"/> on
    /// anything else, including bytes left over after the last field.
    /// </summary>
    public TEntry Read(ReadOnlySpan<byte> payload)
    {
        var reader = new CompactReader(payload);
        var entry = ReadFields(ref reader);
        reader.EnsureAtEnd();
        return entry;
    }

    /// <summary>Reads the fields <see cref="Write"/> wrote, in the same order.</summary>
    protected abstract TEntry ReadFields(ref CompactReader reader);
}

/// <summary>Format 1 of <see cref="CascadeBatch"/>: its fields in declaration order.</summary>
public sealed class CascadeBatchCodec : JournalCodec<CascadeBatch>
{
    public static CascadeBatchCodec Instance { get; } = new();

    public override short Format => 1;

    public override void Write(CascadeBatch entry, CompactWriter writer)
    {
        if (writer.WriteCount(entry.Roots))
        {
            foreach (var root in entry.Roots)
            {
                writer.WriteString(root.AccountId);
                writer.WriteSigned(root.At);
                writer.WriteBool(root.IsQuote);
                writer.WriteStrings(root.Tags);
            }
        }

        writer.WriteStrings(entry.NodeIds);
        writer.WriteStrings(entry.NodeAccounts);
        writer.WriteStrings(entry.NodeParents);
        writer.WriteLongs(entry.NodeTimes);
        writer.WriteBools(entry.NodeIsQuote);
        writer.WriteStrings(entry.LikeAccounts);
        writer.WriteStrings(entry.LikePosts);
        writer.WriteStrings(entry.ReplyIds);
        writer.WriteLongs(entry.ImpressionCounts);
        writer.WriteLongs(entry.ImpressionTimes);
    }

    protected override CascadeBatch ReadFields(ref CompactReader reader)
    {
        var roots = new RootEvent[reader.ReadCount(minimumBytesEach: 4) ?? 0];
        for (var i = 0; i < roots.Length; i++)
        {
            roots[i] = new RootEvent(reader.ReadRequiredString(), reader.ReadSigned(), reader.ReadBool(), reader.ReadStrings());
        }

        return new CascadeBatch
        {
            Roots = roots,
            NodeIds = reader.ReadStrings() ?? [],
            NodeAccounts = reader.ReadStrings() ?? [],
            NodeParents = reader.ReadNullableStrings() ?? [],
            NodeTimes = reader.ReadLongs() ?? [],
            NodeIsQuote = reader.ReadBools() ?? [],
            LikeAccounts = reader.ReadStrings() ?? [],
            LikePosts = reader.ReadStrings() ?? [],
            ReplyIds = reader.ReadStrings() ?? [],
            ImpressionCounts = reader.ReadLongs() ?? [],
            ImpressionTimes = reader.ReadLongs() ?? [],
        };
    }
}

/// <summary>Format 1 of <see cref="DirectoryBatch"/>: claims, definitions, then references.</summary>
public sealed class DirectoryBatchCodec : JournalCodec<DirectoryBatch>
{
    public static DirectoryBatchCodec Instance { get; } = new();

    public override short Format => 1;

    public override void Write(DirectoryBatch entry, CompactWriter writer)
    {
        writer.WriteStrings(entry.ClaimIds);
        writer.WriteFixed64s(entry.ClaimFingerprints);
        writer.WriteStrings(entry.ClaimRoots);
        writer.WriteBools(entry.ClaimFinal);
        writer.WriteBools(entry.ClaimIsReply);
        writer.WriteStrings(entry.DefineIds);
        writer.WriteStrings(entry.DefineRoots);
        writer.WriteBools(entry.DefineFinal);
        if (writer.WriteCount(entry.References))
        {
            foreach (var reference in entry.References)
            {
                writer.WriteUnsigned((byte)reference.Kind);
                writer.WriteString(reference.TargetId);
                writer.WriteString(reference.SourceId);
                writer.WriteString(reference.AccountId);
                writer.WriteSigned(reference.At);
            }
        }
    }

    protected override DirectoryBatch ReadFields(ref CompactReader reader)
    {
        return new DirectoryBatch
        {
            ClaimIds = reader.ReadStrings() ?? [],
            ClaimFingerprints = reader.ReadFixed64s() ?? [],
            ClaimRoots = reader.ReadNullableStrings() ?? [],
            ClaimFinal = reader.ReadBools() ?? [],
            ClaimIsReply = reader.ReadBools() ?? [],
            DefineIds = reader.ReadStrings() ?? [],
            DefineRoots = reader.ReadStrings() ?? [],
            DefineFinal = reader.ReadBools() ?? [],
            References = ReadReferences(ref reader),
        };
    }

    private static PostReference[] ReadReferences(ref CompactReader reader)
    {
        var references = new PostReference[reader.ReadCount(minimumBytesEach: 5) ?? 0];
        for (var i = 0; i < references.Length; i++)
        {
            var kind = reader.ReadUnsigned();
            references[i] = new PostReference(
                kind <= (ulong)ReferenceKind.Quote ? (ReferenceKind)kind : throw new InvalidDataException($"A journal entry holds an unknown reference kind {kind}."),
                reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadRequiredString(), reader.ReadSigned());
        }

        return references;
    }
}

/// <summary>Format 1 of <see cref="AccountIndexJournalEntry"/>: profiles, reposts, then a known follower count.</summary>
public sealed class AccountIndexJournalCodec : JournalCodec<AccountIndexJournalEntry>
{
    public static AccountIndexJournalCodec Instance { get; } = new();

    public override short Format => 1;

    public override void Write(AccountIndexJournalEntry entry, CompactWriter writer)
    {
        writer.WriteBool(entry.Profiles is not null);
        if (entry.Profiles is { } profiles)
        {
            writer.WriteStrings(profiles.AccountIds);
            writer.WriteLongs(profiles.Followers);
            writer.WriteStrings(profiles.Handles);
            writer.WriteLongs(profiles.Times);
        }

        writer.WriteStrings(entry.RepostAccounts);
        writer.WriteStrings(entry.RepostIds);
        writer.WriteString(entry.KnownAccount);
        writer.WriteSigned(entry.KnownFollowers);
        writer.WriteSigned(entry.KnownSetVersion);
    }

    protected override AccountIndexJournalEntry ReadFields(ref CompactReader reader)
    {
        var profiles = reader.ReadBool()
            ? new ProfileBatch
            {
                AccountIds = reader.ReadStrings() ?? [],
                Followers = reader.ReadLongs() ?? [],
                Handles = reader.ReadNullableStrings() ?? [],
                Times = reader.ReadLongs() ?? [],
            }
            : null;
        return new AccountIndexJournalEntry
        {
            Profiles = profiles,
            RepostAccounts = reader.ReadStrings(),
            RepostIds = reader.ReadStrings(),
            KnownAccount = reader.ReadString(),
            KnownFollowers = reader.ReadSigned(),
            KnownSetVersion = reader.ReadSigned(),
        };
    }
}

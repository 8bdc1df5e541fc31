using System.Buffers;
using System.Text.Json;
using Reach.Grains;
using Reach.Grains.Journal;

namespace Reach.Api.Tests.Durable;

public sealed class JournalCodecTests
{
    private static readonly CascadeBatch FullCascadeBatch = new()
    {
        Roots = [new RootEvent("author", 638_000_000_000_000_000, false, ["launch", "tags", "launch"]), new RootEvent("quoter", -5, true, null)],
        NodeIds = ["r1", "r2", "r2-é-😀", "r4"],
        NodeAccounts = ["acct", "acct", "other", "acct"],
        NodeParents = ["root", null, "r1", "r1"],
        NodeTimes = [long.MaxValue, long.MinValue, 0, 638_000_000_000_000_001],
        NodeIsQuote = [false, true, false, false],
        LikeAccounts = ["l1", "l2"],
        LikePosts = ["r1", "r1"],
        ReplyIds = ["reply"],
        ImpressionCounts = [10, 3, 1_000_000_000_000],
        ImpressionTimes = [5, 4, 3],
    };

    private static readonly DirectoryBatch FullDirectoryBatch = new()
    {
        ClaimIds = ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"],
        ClaimFingerprints = [0, ulong.MaxValue, 1, 2, 3, 4, 5, 6, 0x0123_4567_89AB_CDEF],
        ClaimRoots = ["root", "root", null, "root", "other", "root", "root", "root", "root"],
        ClaimFinal = [true, true, false, true, false, true, true, true, true],
        ClaimIsReply = [false, false, true, false, false, false, false, false, true],
        DefineIds = ["d1"],
        DefineRoots = ["root"],
        DefineFinal = [false],
        References =
        [
            new PostReference(ReferenceKind.Like, "c1", "c1", "liker", 7),
            new PostReference(ReferenceKind.Reply, "c2", "rep", "replier", -7),
            new PostReference(ReferenceKind.Quote, "c3", "q", "quoter", long.MaxValue),
        ],
    };

    private static readonly AccountIndexJournalEntry[] AccountIndexEntries =
    [
        new() { Profiles = new ProfileBatch { AccountIds = ["a", "b"], Followers = [-1, 1200], Handles = [null, "@b"], Times = [3, 1] } },
        new() { RepostAccounts = ["a", "a", "b"], RepostIds = ["r1", "r2", "r3"] },
        new() { KnownAccount = "a", KnownFollowers = 42, KnownSetVersion = long.MinValue },
        new(),
    ];

    [Fact]
    public void A_cascade_batch_with_every_field_set_reads_back_equal()
    {
        var payload = Encode(CascadeBatchCodec.Instance, FullCascadeBatch);

        Assert.Equal(Json(FullCascadeBatch), Json(CascadeBatchCodec.Instance.Read(payload)));
    }

    [Fact]
    public void An_empty_cascade_batch_reads_back_with_empty_arrays()
    {
        var read = CascadeBatchCodec.Instance.Read(Encode(CascadeBatchCodec.Instance, new CascadeBatch()));

        Assert.Equal(Json(new CascadeBatch()), Json(read));
        Assert.NotNull(read.NodeParents);
    }

    [Fact]
    public void A_directory_batch_with_claims_definitions_and_every_kind_of_reference_reads_back_equal()
    {
        var payload = Encode(DirectoryBatchCodec.Instance, FullDirectoryBatch);

        Assert.Equal(Json(FullDirectoryBatch), Json(DirectoryBatchCodec.Instance.Read(payload)));
    }

    [Fact]
    public void Account_index_entries_of_profiles_reposts_a_known_count_and_nothing_read_back_equal()
    {
        foreach (var entry in AccountIndexEntries)
        {
            var read = AccountIndexJournalCodec.Instance.Read(Encode(AccountIndexJournalCodec.Instance, entry));

            Assert.Equal(Json(entry), Json(read));
        }
    }

    [Fact]
    public void A_string_repeated_in_an_array_is_stored_once_and_each_repetition_takes_one_byte()
    {
        var buffer = new ArrayBufferWriter<byte>();
        new CompactWriter(buffer).WriteStrings(["root", "root", new string("root".AsSpan()), null, "x", "x"]);

        // count+1, "root" (length+2, 4 bytes), two repeats (one by value, not the same instance), null, "x", repeat.
        Assert.Equal<byte>([7, 6, .. "root"u8, 1, 1, 0, 3, (byte)'x', 1], buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Times_are_stored_as_differences_so_a_batch_of_close_times_takes_a_few_bytes_each()
    {
        var buffer = new ArrayBufferWriter<byte>();
        new CompactWriter(buffer).WriteLongs([638_000_000_000_000_000, 638_000_000_000_000_060, 638_000_000_000_000_000]);

        var reader = new CompactReader(buffer.WrittenSpan);
        Assert.Equal([638_000_000_000_000_000, 638_000_000_000_000_060, 638_000_000_000_000_000], reader.ReadLongs()!);
        Assert.True(reader.AtEnd);
        // count, the first time (9 bytes as a zigzag varint), +60 and -60 (one byte each as zigzag 120 and 119).
        Assert.Equal(1 + 9 + 1 + 1, buffer.WrittenCount);
    }

    [Fact]
    public void Every_truncation_of_an_entry_is_refused_as_invalid_data()
    {
        var payloads = new (byte[] Payload, Action<byte[]> Read)[]
        {
            (Encode(CascadeBatchCodec.Instance, FullCascadeBatch), p => CascadeBatchCodec.Instance.Read(p)),
            (Encode(DirectoryBatchCodec.Instance, FullDirectoryBatch), p => DirectoryBatchCodec.Instance.Read(p)),
            (Encode(AccountIndexJournalCodec.Instance, AccountIndexEntries[0]), p => AccountIndexJournalCodec.Instance.Read(p)),
        };
        foreach (var (payload, read) in payloads)
        {
            for (var length = 0; length < payload.Length; length++)
            {
                Assert.Throws<InvalidDataException>(() => read(payload[..length]));
            }

            Assert.Throws<InvalidDataException>(() => read([.. payload, 0]));
        }
    }

    [Fact]
    public void An_entry_announcing_more_elements_than_it_holds_is_refused_before_anything_is_allocated()
    {
        // A directory batch whose claim id array announces 2^62 elements.
        byte[] payload = [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 3, (byte)'a'];

        var refused = Assert.Throws<InvalidDataException>(() => DirectoryBatchCodec.Instance.Read(payload));
        Assert.Contains("more than its remaining", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repeat_marker_at_the_start_of_an_array_and_a_null_in_an_array_of_ids_are_refused()
    {
        Assert.Throws<InvalidDataException>(() => new CompactReader([2, 1]).ReadStrings());
        Assert.Throws<InvalidDataException>(() => new CompactReader([2, 0]).ReadStrings());
        Assert.Equal(new string?[] { null }, new CompactReader([2, 0]).ReadNullableStrings());
    }

    private static byte[] Encode<T>(JournalCodec<T> codec, T entry)
    {
        var buffer = new ArrayBufferWriter<byte>();
        codec.Write(entry, new CompactWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}

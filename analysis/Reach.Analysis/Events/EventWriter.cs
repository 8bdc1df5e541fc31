using System.Buffers;
using System.Text.Json;

namespace Reach.Analysis.Events;

/// <summary>Writes events in the neutral format, one JSON object per line (NDJSON).</summary>
public static class EventWriter
{
    public static void WriteNdjson(IEnumerable<ReachEvent> events, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        foreach (var evt in events)
        {
            WriteLine(writer, evt, output);
        }
    }

    /// <summary>One event and its newline; the writer is left ready for the next one.</summary>
    private static void WriteLine(Utf8JsonWriter writer, ReachEvent evt, IBufferWriter<byte> output)
    {
        Write(writer, evt);
        writer.Flush();
        output.Write("\n"u8);
        writer.Reset(output);
    }

    public static byte[] ToNdjson(IEnumerable<ReachEvent> events)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteNdjson(events, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static async Task WriteNdjsonAsync(IEnumerable<ReachEvent> events, Stream stream, CancellationToken cancellationToken = default)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        foreach (var evt in events)
        {
            WriteLine(writer, evt, buffer);
            if (buffer.WrittenCount > (1 << 20) - 4096)
            {
                await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
                buffer.ResetWrittenCount();
            }
        }

        await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
    }

    public static void Write(Utf8JsonWriter writer, ReachEvent evt)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, ReachEvent.TypeName(evt.Type));
        WriteIfSet(writer, "postId"u8, evt.PostId);
        WriteIfSet(writer, "accountId"u8, evt.AccountId);
        WriteIfSet(writer, "rootPostId"u8, evt.RootPostId);
        WriteIfSet(writer, "parentPostId"u8, evt.ParentPostId);
        WriteIfSet(writer, "quotedPostId"u8, evt.QuotedPostId);
        WriteIfSet(writer, "targetId"u8, evt.TargetId);
        WriteIfSet(writer, "handle"u8, evt.Handle);
        if (evt.Followers is { } followers)
        {
            writer.WriteNumber("followers"u8, followers);
        }

        if (evt.Count is { } count)
        {
            writer.WriteNumber("count"u8, count);
        }

        WriteArrayIfSet(writer, "tags"u8, evt.Tags);
        WriteArrayIfSet(writer, "followerIds"u8, evt.FollowerIds);
        writer.WriteString("at"u8, evt.AtTime);
        writer.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteArrayIfSet(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}

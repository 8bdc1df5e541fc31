using System.Runtime.Intrinsics.X86;

namespace Reach.Analysis;

/// <summary>Loads a cache line ahead of its use where the address comes from data the hardware prefetcher cannot follow.</summary>
internal static class CacheHint
{
    /// <summary>Starts loading the line that holds <paramref name="value"/> into every cache level; a no-op where the instruction is missing.</summary>
    public static unsafe void Prefetch<T>(ref readonly T value)
        where T : unmanaged
    {
        if (Sse.IsSupported)
        {
            fixed (T* address = &value)
            {
                Sse.Prefetch0(address);
            }
        }
    }
}

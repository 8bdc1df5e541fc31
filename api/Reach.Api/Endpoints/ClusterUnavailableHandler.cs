using Microsoft.AspNetCore.Diagnostics;
using Reach.Grains;

namespace Reach.Api.Endpoints;

/// <summary>
/// While the cluster replaces a silo that died, a call to a grain it held can fail before the
/// grain is re-activated elsewhere. That is transient: the client gets 503 with Retry-After and
/// a problem body saying so, not an opaque 500. The same when a grain could not commit part of a
/// batch (its storage failed, or it restarted first). Nothing acknowledged is affected.
/// </summary>
internal sealed class ClusterUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (title, detail) = exception switch
        {
            OrleansMessageRejectionException or SiloUnavailableException => (
                "Part of the cluster is being replaced",
                "A silo holding this data became unreachable; its data is coming back on another silo. Retry shortly; a batch that got this answer can be re-sent as a whole."),
            ChangeNotCommittedException => (
                "Part of the batch was not stored",
                "Storage did not confirm part of this batch. Retry shortly; a batch that got this answer can be re-sent as a whole."),
            _ => (null, null),
        };
        if (title is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "1";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = title,
                Detail = detail,
            },
        });
    }
}

using Microsoft.AspNetCore.Diagnostics;

namespace Reach.Api.Endpoints;

/// <summary>
/// While the cluster replaces a silo that died, a call to a grain it held can fail before the
/// grain is re-activated elsewhere. That is transient: the client gets 503 with Retry-After and
/// a problem body saying so, not an opaque 500. Nothing acknowledged is affected.
/// </summary>
internal sealed class ClusterUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (OrleansMessageRejectionException or SiloUnavailableException))
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
                Title = "Part of the cluster is being replaced",
                Detail = "A silo holding this data became unreachable; its data is coming back on another silo. Retry shortly; a batch that got this answer can be re-sent as a whole.",
            },
        });
    }
}

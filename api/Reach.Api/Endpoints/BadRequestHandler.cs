using Microsoft.AspNetCore.Diagnostics;

namespace Reach.Api.Endpoints;

/// <summary>
/// A query or route value that does not bind to its parameter's type (top=many) is the client's
/// mistake: 400 with a problem body naming the parameter and the value, not a 500.
/// </summary>
internal sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = "Invalid request",
                Detail = bad.Message,
            },
        });
    }
}

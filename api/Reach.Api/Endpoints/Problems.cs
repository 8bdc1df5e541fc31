using Microsoft.AspNetCore.Http.HttpResults;

namespace Reach.Api.Endpoints;

internal static class Problems
{
    public static ProblemHttpResult NotFound(string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: title, extensions: extensions);

    public static ProblemHttpResult BadRequest(string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title, extensions: extensions);
}

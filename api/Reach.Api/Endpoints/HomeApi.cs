using Reach.Analysis.Synthetic;

namespace Reach.Api.Endpoints;

public static class HomeApi
{
    public static IEndpointRouteBuilder MapHome(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", () => TypedResults.Ok(new
        {
            service = "Reach",
            sample = new
            {
                metrics = $"/v1/posts/{MotivatingCase.RootPostId}/metrics",
                cascade = $"/v1/posts/{MotivatingCase.RootPostId}/cascade",
                timeline = $"/v1/posts/{MotivatingCase.RootPostId}/timeline?bucket=1h",
                amplifiers = $"/v1/posts/{MotivatingCase.RootPostId}/amplifiers",
                author = $"/v1/accounts/{MotivatingCase.AuthorId}/metrics",
            },
            authentication = "Every /v1 route needs an API key: 'Authorization: Bearer <key>'. The embedded default prints a development key on start.",
            openApi = "/openapi/v1.json",
            ui = "/scalar",
        }))
        .WithName("Home")
        .WithSummary("Links to the sample and the API description")
        .WithTags("Home")
        .AllowAnonymous();
        return routes;
    }
}

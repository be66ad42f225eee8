using KitaLink.Api.Infrastructure.Http;

namespace KitaLink.Api.Health;

/// <summary>OpenAPI examples of the health probes.</summary>
internal sealed class HealthExamples : IOpenApiExamples
{
    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Responses[typeof(HealthResponse)] = new HealthResponse("healthy");
        examples.ResponsesByOperation[("getReadiness", 200)] = new HealthResponse("healthy", new Dictionary<string, string> { ["database"] = "healthy" });
        examples.ResponsesByOperation[("getReadiness", 503)] = new HealthResponse("unhealthy", new Dictionary<string, string> { ["database"] = "unhealthy" });
    }
}

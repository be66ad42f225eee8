using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Http;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Pins;

/// <summary>OpenAPI examples of the staff side of the PIN process.</summary>
internal sealed class PinsExamples : IOpenApiExamples
{
    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Responses[typeof(PinsCreatedResponse)] = new PinsCreatedResponse(PinPairId, Pin1, PinsExpire,
            $"/api/v1/facility/children/{ChildId}/guardians/{GuardianId}/pins/letter", GuardiansExamples.DeliveryQueued);
        examples.Responses[typeof(Pin2ReissuedResponse)] = new Pin2ReissuedResponse(PinPairId, PinsExpire, GuardiansExamples.DeliveryQueued with
        {
            MessageId = Guid.Parse("0193a5f6-8293-74a5-b6c7-d8e9f0a1b2c3"),
            QueuedAt = At("2026-11-24T16:05:00Z"),
        });
        examples.ValidationErrorsByOperation["getPinLetter"] = new() { ["lang"] = [PinsApi.LangMessage] };
        examples.Parameters["lang"] = "de";
    }
}

using System.Security.Claims;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Webhooks;

/// <summary>
/// Webhook endpoints: a facility admin's for the facility's events (<c>/api/v1/facility/webhooks</c>), the
/// operator's for the events of every facility (<c>/api/v1/webhooks</c>). The same handlers serve both; whose
/// endpoints a caller sees always comes from the token (<see cref="ScopeOf"/>), and another's is 404.
/// </summary>
public static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var facility = app.MapGroup("/api/v1/facility/webhooks")
            .WithTag("Facility webhooks", "Webhook endpoints of the caller's facility: signed onboarding events pushed to an integrator (docs/integrators.md, \"Webhooks\"). Facility admins only.")
            .RequireAuthorization(Policies.FacilityAdmin);
        MapRoutes(facility, "Facility", "the caller's facility");

        var all = app.MapGroup("/api/v1/webhooks")
            .WithTag("Operator webhooks", "Webhook endpoints of the operator that receive the events of every facility, without personal data. Operators only.")
            .RequireAuthorization(Policies.Operator);
        MapRoutes(all, "Operator", "every facility");
        return app;
    }

    private static void MapRoutes(RouteGroupBuilder group, string name, string whose)
    {
        group.MapPost("/", CreateAsync)
            .WithName($"create{name}Webhook")
            .WithSummary("Create a webhook endpoint")
            .WithDescription($"Registers a URL that receives the named event types of {whose}, signed with a new secret (Standard Webhooks). The answer shows the secret once; store it. Endpoint URLs are https and must resolve to public addresses (checked again at every delivery).")
            .WithValidation<CreateWebhookRequest>()
            .WithIdempotency();
        group.MapGet("/", ListAsync)
            .WithName($"list{name}Webhooks")
            .WithSummary("List webhook endpoints")
            .WithDescription($"The endpoints of {whose}, oldest first, with their status: a `disabled` endpoint (after persistent failure, see `disabledReason`) receives nothing until it is enabled again with `PATCH`. Paged (`limit`, `cursor`, see the API introduction).")
            .WithValidation<WebhookListQuery>();
        group.MapGet("/{webhookId:guid}", GetAsync)
            .WithName($"get{name}Webhook")
            .WithSummary("Get a webhook endpoint")
            .ProducesErrors(ErrorCodes.NotFound);
        group.MapPatch("/{webhookId:guid}", UpdateAsync)
            .WithName($"update{name}Webhook")
            .WithSummary("Update a webhook endpoint")
            .WithDescription("Changes the given fields. `enabled: true` re-enables a disabled endpoint (its waiting deliveries are sent again), `enabled: false` disables it.")
            .WithValidation<UpdateWebhookRequest>()
            .ProducesErrors(ErrorCodes.NotFound);
        group.MapDelete("/{webhookId:guid}", DeleteAsync)
            .WithName($"delete{name}Webhook")
            .WithSummary("Delete a webhook endpoint")
            .WithDescription("Removes the endpoint with its deliveries; nothing more is sent to it.")
            .ProducesErrors(ErrorCodes.NotFound);
        group.MapPost("/{webhookId:guid}/rotate-secret", RotateSecretAsync)
            .WithName($"rotate{name}WebhookSecret")
            .WithSummary("Rotate the signing secret")
            .WithDescription("Makes a new secret and shows it once; requests are signed with it from now on, including retries of earlier events.")
            .ProducesErrors(ErrorCodes.NotFound)
            .WithIdempotency();
        group.MapPost("/{webhookId:guid}/test", SendTestAsync)
            .WithName($"test{name}Webhook")
            .WithSummary("Send a test event")
            .WithDescription("Queues a `webhook.test` event for this endpoint only (signed like every event); follow it in the deliveries.")
            .ProducesErrors(ErrorCodes.NotFound)
            .WithIdempotency();
        group.MapGet("/{webhookId:guid}/deliveries", ListDeliveriesAsync)
            .WithName($"list{name}WebhookDeliveries")
            .WithSummary("List the deliveries of an endpoint")
            .WithDescription("The events sent or to be sent to this endpoint, newest first, each with its status and last attempt (time, HTTP status of the answer, error). Paged (`limit`, `cursor`).")
            .WithValidation<WebhookDeliveryListQuery>()
            .ProducesErrors(ErrorCodes.NotFound);
        group.MapPost("/{webhookId:guid}/deliveries/{deliveryId:guid}/replay", ReplayAsync)
            .WithName($"replay{name}WebhookDelivery")
            .WithSummary("Replay a delivery")
            .WithDescription("Sends the event to this endpoint again, now, with the same `webhook-id` and body and a fresh retry period.")
            .ProducesErrors(ErrorCodes.NotFound)
            .WithIdempotency();
    }

    /// <summary>Whose endpoints the caller manages: the facility of a facility admin's token, none (all facilities) for the operator.</summary>
    public static Guid? ScopeOf(ClaimsPrincipal user) => user.Role() == Roles.Operator ? null : user.FacilityId();

    public static async Task<Created<CreatedWebhookResponse>> CreateAsync(
        CreateWebhookRequest request, ClaimsPrincipal user, KitaLinkDbContext db, WebhookSecrets secrets, AuditTrail audit,
        TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var scope = ScopeOf(user);
        var (secret, protectedSecret) = secrets.Create();
        var endpoint = new WebhookEndpoint(scope, request.Url.Trim(), request.EventTypes, Blank(request.Description), protectedSecret, time.GetUtcNow());
        db.WebhookEndpoints.Add(endpoint);
        Audit(audit, AuditActions.WebhookCreated, endpoint);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"{http.Request.PathBase}{RoutePrefix(scope)}/{endpoint.Id}",
            new CreatedWebhookResponse(WebhookResponse.From(endpoint), secret));
    }

    public static async Task<Ok<WebhookListResponse>> ListAsync(
        [AsParameters] WebhookListQuery query, ClaimsPrincipal user, KitaLinkDbContext db, CancellationToken cancellationToken)
    {
        var scope = ScopeOf(user);
        var limit = Paging.LimitOrDefault(query.Limit);
        var endpoints = db.WebhookEndpoints.AsNoTracking().Where(e => e.FacilityId == scope);
        if (Paging.TryDecode<WebhookCursor>(WebhookListQuery.List, query.Cursor, out var after) && after is not null)
        {
            endpoints = endpoints.Where(e => EF.Functions.GreaterThan(ValueTuple.Create(e.CreatedAt, e.Id), ValueTuple.Create(after.CreatedAt, after.Id)));
        }
        var (page, last) = Paging.Trim(
            await endpoints.OrderBy(e => e.CreatedAt).ThenBy(e => e.Id).Take(limit + 1).ToListAsync(cancellationToken), limit);
        var next = last is null ? null : Paging.Encode(WebhookListQuery.List, new WebhookCursor(last.CreatedAt, last.Id));
        return TypedResults.Ok(new WebhookListResponse(page.Select(WebhookResponse.From).ToList(), next));
    }

    public static async Task<Results<Ok<WebhookResponse>, ApiProblem>> GetAsync(
        Guid webhookId, ClaimsPrincipal user, KitaLinkDbContext db, CancellationToken cancellationToken) =>
        await FindAsync(db, user, webhookId, cancellationToken) is { } endpoint
            ? TypedResults.Ok(WebhookResponse.From(endpoint))
            : ApiProblem.NotFound();

    public static async Task<Results<Ok<WebhookResponse>, ApiProblem>> UpdateAsync(
        Guid webhookId, UpdateWebhookRequest request, ClaimsPrincipal user, KitaLinkDbContext db, AuditTrail audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await FindAsync(db, user, webhookId, cancellationToken) is not { } endpoint)
        {
            return ApiProblem.NotFound();
        }
        var now = time.GetUtcNow();
        endpoint.Change(request.Url?.Trim(), request.EventTypes, request.Description?.Trim(), now);
        switch (request.Enabled)
        {
            case true when endpoint.Status == WebhookEndpointStatus.Disabled:
                endpoint.Enable(now);
                break;
            case false:
                endpoint.Disable("Disabled by an administrator.", now);
                break;
        }
        Audit(audit, AuditActions.WebhookUpdated, endpoint);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(WebhookResponse.From(endpoint));
    }

    public static async Task<Results<NoContent, ApiProblem>> DeleteAsync(
        Guid webhookId, ClaimsPrincipal user, KitaLinkDbContext db, AuditTrail audit, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, user, webhookId, cancellationToken) is not { } endpoint)
        {
            return ApiProblem.NotFound();
        }
        db.WebhookEndpoints.Remove(endpoint);
        Audit(audit, AuditActions.WebhookDeleted, endpoint);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<WebhookSecretResponse>, ApiProblem>> RotateSecretAsync(
        Guid webhookId, ClaimsPrincipal user, KitaLinkDbContext db, WebhookSecrets secrets, AuditTrail audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await FindAsync(db, user, webhookId, cancellationToken) is not { } endpoint)
        {
            return ApiProblem.NotFound();
        }
        var (secret, protectedSecret) = secrets.Create();
        endpoint.RotateSecret(protectedSecret, time.GetUtcNow());
        Audit(audit, AuditActions.WebhookSecretRotated, endpoint);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new WebhookSecretResponse(endpoint.Id, secret));
    }

    public static async Task<Results<Accepted<WebhookDeliveryResponse>, ApiProblem>> SendTestAsync(
        Guid webhookId, ClaimsPrincipal user, KitaLinkDbContext db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, user, webhookId, cancellationToken) is not { } endpoint)
        {
            return ApiProblem.NotFound();
        }
        var now = time.GetUtcNow();
        // For this endpoint only: no fan-out to the facility's other endpoints.
        var testEvent = WebhookEvents.Create(WebhookEventTypes.WebhookTest, endpoint.FacilityId,
            new WebhookTestData(endpoint.Id, "Test event sent on request. If you can verify its signature, the endpoint is set up right."), null, now);
        testEvent.MarkFannedOut(now);
        var delivery = new WebhookDelivery(testEvent.Id, endpoint.Id, now);
        db.WebhookEvents.Add(testEvent);
        db.WebhookDeliveries.Add(delivery);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted(DeliveryLocation(http, endpoint, delivery), WebhookDeliveryResponse.From(delivery, testEvent));
    }

    public static async Task<Results<Ok<WebhookDeliveryListResponse>, ApiProblem>> ListDeliveriesAsync(
        Guid webhookId, [AsParameters] WebhookDeliveryListQuery query, ClaimsPrincipal user, KitaLinkDbContext db,
        CancellationToken cancellationToken)
    {
        if (await FindAsync(db, user, webhookId, cancellationToken) is not { } endpoint)
        {
            return ApiProblem.NotFound();
        }
        var limit = Paging.LimitOrDefault(query.Limit);
        var deliveries = db.WebhookDeliveries.AsNoTracking().Include(d => d.Event).Where(d => d.EndpointId == endpoint.Id);
        if (Paging.TryDecode<WebhookCursor>(WebhookDeliveryListQuery.List, query.Cursor, out var after) && after is not null)
        {
            deliveries = deliveries.Where(d => EF.Functions.LessThan(ValueTuple.Create(d.CreatedAt, d.Id), ValueTuple.Create(after.CreatedAt, after.Id)));
        }
        var (page, last) = Paging.Trim(
            await deliveries.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(limit + 1).ToListAsync(cancellationToken), limit);
        var next = last is null ? null : Paging.Encode(WebhookDeliveryListQuery.List, new WebhookCursor(last.CreatedAt, last.Id));
        return TypedResults.Ok(new WebhookDeliveryListResponse(page.Select(d => WebhookDeliveryResponse.From(d, d.Event!)).ToList(), next));
    }

    public static async Task<Results<Accepted<WebhookDeliveryResponse>, ApiProblem>> ReplayAsync(
        Guid webhookId, Guid deliveryId, ClaimsPrincipal user, KitaLinkDbContext db, AuditTrail audit, TimeProvider time, HttpContext http,
        CancellationToken cancellationToken)
    {
        if (await FindAsync(db, user, webhookId, cancellationToken) is not { } endpoint)
        {
            return ApiProblem.NotFound();
        }
        var delivery = await db.WebhookDeliveries.Include(d => d.Event)
            .SingleOrDefaultAsync(d => d.Id == deliveryId && d.EndpointId == endpoint.Id, cancellationToken);
        if (delivery is null)
        {
            return ApiProblem.NotFound();
        }
        delivery.Replay(time.GetUtcNow());
        Audit(audit, AuditActions.WebhookDeliveryReplayed, endpoint, ("deliveryId", delivery.Id.ToString()));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted(DeliveryLocation(http, endpoint, delivery), WebhookDeliveryResponse.From(delivery, delivery.Event!));
    }

    /// <summary>The caller's endpoint (tracked), or null when it does not exist or belongs to someone else.</summary>
    private static Task<WebhookEndpoint?> FindAsync(KitaLinkDbContext db, ClaimsPrincipal user, Guid webhookId, CancellationToken cancellationToken)
    {
        var scope = ScopeOf(user);
        return db.WebhookEndpoints.SingleOrDefaultAsync(e => e.Id == webhookId && e.FacilityId == scope, cancellationToken);
    }

    private static string RoutePrefix(Guid? scope) => scope is null ? "/api/v1/webhooks" : "/api/v1/facility/webhooks";

    private static string DeliveryLocation(HttpContext http, WebhookEndpoint endpoint, WebhookDelivery delivery) =>
        $"{http.Request.PathBase}{RoutePrefix(endpoint.FacilityId)}/{endpoint.Id}/deliveries?limit=50#{delivery.Id}";

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>Endpoint changes in the audit trail like other staff actions; never the secret.</summary>
    private static void Audit(AuditTrail audit, string action, WebhookEndpoint endpoint, params (string Key, string Value)[] extra)
    {
        var data = new Dictionary<string, string>
        {
            ["webhookId"] = endpoint.Id.ToString(),
            ["url"] = endpoint.Url,
            ["eventTypes"] = string.Join(",", endpoint.EventTypes),
            ["status"] = endpoint.Status == WebhookEndpointStatus.Active ? "active" : "disabled",
        };
        foreach (var (key, value) in extra)
        {
            data[key] = value;
        }
        audit.Record(action, e => e.FacilityId = endpoint.FacilityId, data);
    }
}

var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/healthz", () => TypedResults.Ok("ok"));
await app.RunAsync();

/// <summary>Entry point, visible to WebApplicationFactory in the API tests.</summary>
public partial class Program;

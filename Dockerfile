# The Reach service (silo + API) as a container image: docker build -t reach:local .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish api/Reach.Api -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Reach__LoadSample=false
EXPOSE 8080 11111 30000
USER app
ENTRYPOINT ["dotnet", "Reach.Api.dll"]

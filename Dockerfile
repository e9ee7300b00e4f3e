# The bridge on Node 24 LTS (the version scripts/provision-node.mjs installs where Node is older).
# docker-compose.yml builds it once and runs it as the bridge, the demo simulator and two one-shot
# helpers; `docker run IMAGE demo` runs the demo alone.
FROM node:24.21.0-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the postinstall provisions a newer Node, which this image already is.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN node node_modules/typescript-native/bin/tsc -p tsconfig.build.json && npm prune --omit=dev --ignore-scripts

FROM node:24.21.0-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY samples ./samples
COPY config ./config
# The state file lives here (a volume in compose), owned by the unprivileged user that runs the bridge.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 9464
ENTRYPOINT ["node", "bin/assistants-otel-bridge.mjs"]
CMD ["watch", "--listen", "0.0.0.0:9464"]

# syntax=docker/dockerfile:1
# Build: compile TypeScript with every dependency present.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY adapters ./adapters
COPY interactions ./interactions
COPY migrations ./migrations
RUN npm run build

# Runtime: production dependencies only, compiled code, non-root.
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# `npm run migrate` and `npm run cli` run the compiled CLI here
# (bin/cli.mjs: NODE_ENV=production); no sources, no tsx.
COPY bin ./bin
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# `docker run IMAGE npm run migrate` applies migrations as a one-shot job.
CMD ["node", "dist/src/main.js"]

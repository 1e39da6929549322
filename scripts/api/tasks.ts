// A REST controller with Dirigible's decorators: the class serves
// /api/tasks/... (the part of the URL after the script picks the method).
//
//   GET    /api/tasks          the tasks (the samples, then yours)
//   GET    /api/tasks/1        one task
//   POST   /api/tasks          {"title": "..."} adds one to your session
//   DELETE /api/tasks/4        removes one of yours
//
// A handler gets (body, ctx, req, res); what it returns is sent as JSON.
import { Controller, Get, Post, Delete, Documentation, session } from "sdk/http";

interface Task {
  id: number;
  title: string;
}

const samples: Task[] = [
  { id: 1, title: "Read the README" },
  { id: 2, title: "Write a controller" },
];

@Controller
@Documentation("The tasks of your session")
class Tasks {
  private mine(): Task[] {
    return (session.getAttribute("tasks") as Task[]) ?? [];
  }

  @Get("/")
  list() {
    return [...samples, ...this.mine()];
  }

  @Get("/{id}")
  one(_body: unknown, ctx: any, _req: any, res: any) {
    const task = this.list().find((t) => t.id === Number(ctx.pathParameters.id));
    if (!task) {
      res.setStatus(404);
      return { error: `no task ${ctx.pathParameters.id}` };
    }
    return task;
  }

  @Post("/")
  create(body: { title?: string }, _ctx: any, _req: any, res: any) {
    if (!body?.title) {
      res.setStatus(400);
      return { error: "a task needs a title" };
    }
    const task = { id: samples.length + this.mine().length + 1, title: body.title };
    session.setAttribute("tasks", [...this.mine(), task]);
    res.setStatus(201);
    return task;
  }

  @Delete("/{id}")
  remove(_body: unknown, ctx: any, _req: any, res: any) {
    session.setAttribute("tasks", this.mine().filter((t) => t.id !== Number(ctx.pathParameters.id)));
    res.setStatus(204);
  }
}

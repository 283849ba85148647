import { builtinTemplate } from "../../schedulers/script.js";
import { out } from "../context.js";

export default function templateShow(name: string): void {
  out(builtinTemplate(name));
}

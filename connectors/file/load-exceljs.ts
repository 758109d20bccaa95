/**
 * exceljs is loaded when a workbook is read or written, not when a module that can do so is
 * imported: it is the largest dependency (~28 MB resident, a quarter of a second to load), and most
 * commands never touch a workbook.
 */
import type ExcelJS from 'exceljs';

export type ExcelJsModule = typeof ExcelJS;

let loaded: Promise<ExcelJsModule> | null = null;

export function loadExcelJs(): Promise<ExcelJsModule> {
  loaded ??= import('exceljs').then((module) => module.default);
  return loaded;
}
